import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { HUNG_MS } from './wait.js';

/** A TCP forwarder on 127.0.0.1 that can be cut (an outage) and restored on the same port. */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Stops listening and destroys every open connection. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Keeps what the target answers from here on (a slow server: commands arrive and run, replies wait). */
  holdReplies(): void;
  /** Delivers the held replies, in order, and forwards again. */
  releaseReplies(): void;
  /** What clients sent (latin1) since the last call: which commands reached the server. */
  takeSent(): string;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, scheme = 'redis'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const replyPaths = new Set<{ inbound: Socket; held: Buffer[] }>();
  let holding = false;
  let sent = '';
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = createServer((inbound) => {
      const outbound = new (inbound.constructor as typeof Socket)();
      outbound.connect(targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          inbound.destroy();
          outbound.destroy();
        });
      }
      const path = { inbound, held: [] as Buffer[] };
      replyPaths.add(path);
      inbound.on('close', () => replyPaths.delete(path));
      inbound.pipe(outbound);
      inbound.on('data', (chunk: Buffer) => (sent += chunk.toString('latin1')));
      outbound.on('data', (chunk: Buffer) => (holding ? path.held.push(chunk) : inbound.write(chunk)));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    cut,
    restore: listen,
    holdReplies: () => {
      holding = true;
    },
    releaseReplies: () => {
      holding = false;
      for (const path of replyPaths) for (const chunk of path.held.splice(0)) path.inbound.write(chunk);
    },
    takeSent: () => {
      const taken = sent;
      sent = '';
      return taken;
    },
    close: cut,
  };
}

/** Polls `check` until it holds or `timeoutMs` passes (then throws `what`). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = HUNG_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A key prefix unique to one test run. */
export function testPrefix(): string {
  return `switchyard-test:${process.pid}-${Math.random().toString(36).slice(2, 10)}:`;
}

/** Deletes what a test left in the Redis on 127.0.0.1:6379 under its prefix. */
export async function dropTestKeys(prefix: string): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
