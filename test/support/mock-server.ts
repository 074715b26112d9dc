/**
 * What the mock upstreams share: a `node:http` server on 127.0.0.1 (port 0) whose open sockets
 * are destroyed on close, so a hung or streaming response never holds a test up; a fault queue
 * and request log; and reading a request's body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A mock's HTTP server: a mock extends it with `handle`. */
export abstract class MockHttpServer {
  protected readonly server: Server = createServer((req, res) => void this.handle(req, res));
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** e.g. http://127.0.0.1:41234 */
  get origin(): string {
    const address = this.server.address() as AddressInfo | null;
    if (!address) throw new Error(`${this.constructor.name}: not listening`);
    return `http://127.0.0.1:${address.port}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Closes the server and destroys every open socket (hung ones included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A mock upstream that records every request and takes queued faults, one per request, in order. */
export abstract class MockUpstream<Recorded, Fault> extends MockHttpServer {
  readonly requests: Recorded[] = [];
  readonly #faults: Fault[] = [];

  queueFault(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Clears the recorded requests and the queued faults. */
  reset(): void {
    this.requests.length = 0;
    this.#faults.length = 0;
  }

  /** The fault for the request being handled, if one is queued. */
  protected nextFault(): Fault | undefined {
    return this.#faults.shift();
  }
}

/** The whole body; if the client goes away mid-body, what arrived. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(parts).toString('utf8'));
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', done);
    req.on('close', done);
    req.on('error', done);
  });
}

/** The body parsed as JSON, or undefined when it is empty or not JSON. */
export function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Notes the status on the record as the head is written (a client may hang up before a stream's end is flushed). */
export function recordStatus(res: ServerResponse, record: { status?: number }): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    record.status = args[0] as number;
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
}
