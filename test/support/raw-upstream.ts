/**
 * An upstream on a raw TCP socket: each request's answer is whatever bytes its script writes,
 * malformed HTTP included (1xx heads, bodies longer than their content-length, a reset midway,
 * close-delimited bodies). The script is chosen by the request body's `model`; a connection
 * serves requests one after another (keep-alive) until a script ends or destroys it.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface RawRequest {
  head: string;
  body: any;
  /** Which request on its connection this was (1 = a fresh connection). */
  onConnection: number;
}

/** Writes the answer on `socket`; the connection then waits for the next request unless the script closed it. */
export type Script = (socket: Socket, req: RawRequest) => void | Promise<void>;

export interface RawUpstream {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
  readonly requests: RawRequest[];
  close(): Promise<void>;
}

/** Writes `bytes` and resolves once the kernel took them, so that each piece is its own TCP segment. */
export function writeFlushed(socket: Socket, bytes: string | Buffer): Promise<void> {
  return new Promise((resolve) => socket.write(bytes, () => setImmediate(resolve)));
}

export async function startRawUpstream(scripts: Record<string, Script>): Promise<RawUpstream> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let served = 0;
    let busy = false;
    const serveNext = async (): Promise<void> => {
      if (busy) return;
      const headEnd = pending.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = pending.subarray(0, headEnd).toString('latin1');
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < headEnd + 4 + length) return;
      const text = pending.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      pending = pending.subarray(headEnd + 4 + length);
      const body = text ? JSON.parse(text) : {};
      const req = { head, body, onConnection: ++served };
      requests.push(req);
      const script = scripts[body.model as string];
      busy = true;
      if (!script) socket.destroy();
      else await script(socket, req);
      busy = false;
      if (!socket.destroyed) await serveNext();
    };
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      void serveNext();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A whole HTTP/1.1 answer: status line, headers (content-length added unless given or chunked), body. */
export function httpAnswer(status: number, headers: Record<string, string>, body: string | Buffer = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const all = { ...headers };
  const named = Object.keys(all).map((k) => k.toLowerCase());
  if (!named.includes('content-length') && !named.includes('transfer-encoding'))
    all['content-length'] = String(bytes.length);
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${reason(status)}\r\n${lines.join('')}\r\n`), bytes]);
}

function reason(status: number): string {
  return (
    ({ 100: 'Continue', 103: 'Early Hints', 200: 'OK', 429: 'Too Many Requests' } as Record<number, string>)[status] ??
    'X'
  );
}

/** A Chat Completions answer's JSON text saying `content`, with its usage (3 prompt tokens). */
export function completionJson(content: string, completionTokens: number): string {
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: completionTokens, total_tokens: 3 + completionTokens },
  });
}

/** An Anthropic Messages answer's JSON text saying `text`, with its usage (1 output token). */
export function messageJson(text: string, inputTokens: number): string {
  return JSON.stringify({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'a',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    usage: { input_tokens: inputTokens, output_tokens: 1 },
  });
}
