/**
 * An upstream whose streams send their first chunk and then wait for the caller to leave, and
 * whose non-streamed answers never come: for callers cutting a request short.
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HangingUpstream {
  baseUrl: string;
  /** The bodies received, in order. */
  received: Array<Record<string, any>>;
  /** Responses closed before they finished (the gateway dropped the upstream). */
  aborted: number;
  close(): Promise<void>;
}

export async function startHangingUpstream(): Promise<HangingUpstream> {
  const open = new Set<ServerResponse>();
  const state = { received: [] as Array<Record<string, any>>, aborted: 0 };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      state.received.push(body);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        if (!res.writableFinished) state.aborted++;
      });
      if (!body.stream) return;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = { id: 'chatcmpl-hang', object: 'chat.completion.chunk', created: 1, model: body.model };
      res.write(
        `data: ${JSON.stringify({ ...chunk, choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] })}\n\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get received() {
      return state.received;
    },
    get aborted() {
      return state.aborted;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
