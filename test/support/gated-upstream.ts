import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HUNG_MS } from './wait.js';

/** Usage the upstream reports for a request body. */
export type UsageFor = (body: any) => { prompt_tokens: number; completion_tokens: number; [field: string]: unknown };

/**
 * An OpenAI-compatible chat upstream whose answers wait behind a gate: requests are received
 * and counted at once, answered (JSON, or a stream with a final usage chunk when asked) only
 * once the gate opens. Lets a test hold requests in flight without any timing.
 */
export interface GatedUpstream {
  readonly baseUrl: string;
  /** Requests received so far. */
  readonly received: number;
  /** Resolves once `n` requests have been received (rejects after `timeoutMs`: hung). */
  waitForReceived(n: number, timeoutMs?: number): Promise<void>;
  /** Answers every held request and every later one at once. */
  open(): void;
  /** Holds later requests again. */
  close(): void;
  stop(): Promise<void>;
}

export async function startGatedUpstream(usageFor: UsageFor, options: { open?: boolean } = {}): Promise<GatedUpstream> {
  let open = options.open ?? false;
  let received = 0;
  const held: Array<() => void> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received++;
      for (const w of waiters.splice(0))
        if (received >= w.n) w.resolve();
        else waiters.push(w);
      const body = JSON.parse(text || '{}');
      const answer = (): void => {
        const u = usageFor(body);
        const usage = { ...u, total_tokens: u.prompt_tokens + u.completion_tokens };
        const id = `chatcmpl-${received}`;
        if (body.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }] })}\n\n`,
          );
          res.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
          );
          if (body.stream_options?.include_usage)
            res.write(
              `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage })}\n\n`,
            );
          res.end('data: [DONE]\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage,
          }),
        );
      };
      if (open) answer();
      else held.push(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get received() {
      return received;
    },
    waitForReceived(n, timeoutMs = HUNG_MS) {
      if (received >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`upstream received ${received} requests, not ${n} (hung)`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    open() {
      open = true;
      for (const answer of held.splice(0)) answer();
    },
    close() {
      open = false;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
