/**
 * Requests sent with node:http or as raw bytes on a socket, so that Host, Origin, duplicate
 * headers and any byte can be anything: for tests of what the gateway refuses before any route.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed, or undefined when it is not JSON. */
  json: any;
}

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
}

export function sendHttp(port: number, { method, path, headers, body }: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a socket (one character every `trickleEveryMs` when given); resolves with what came back once the server closed it. */
export function sendRaw(port: number, bytes: string | Buffer, trickleEveryMs?: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(out));
    if (trickleEveryMs === undefined) return void socket.end(bytes);
    const text = bytes.toString();
    let i = 0;
    const timer = setInterval(
      () => (socket.destroyed || i >= text.length ? clearInterval(timer) : socket.write(text[i++]!)),
      trickleEveryMs,
    );
  });
}
