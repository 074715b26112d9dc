import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** The long stream: far more than every socket buffer on the way and the gateway's own could hold. */
const TEXT = 'x'.repeat(16 * 1024);
const EVENT_DATA = JSON.stringify({ id: 'c1', choices: [{ index: 0, delta: { content: TEXT } }] });
const OPENAI = { first: '', event: `data: ${EVENT_DATA}\n\n`, last: 'data: [DONE]\n\n' };
/** The same as an Anthropic Messages stream, which the gateway converts for an OpenAI caller. */
const ANTHROPIC = {
  first:
    `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'a', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n` +
    `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  event: `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: TEXT } })}\n\n`,
  last: 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
};
const STREAM_BYTES = 96 * 1024 * 1024;
/** What the upstream may have written while the caller reads nothing: kernel buffers plus the gateway's high-water marks. */
const BOUND = STREAM_BYTES / 4;

/** A long stream's upstream state, shared with the test. */
interface Upstream {
  written: number;
  stalled: boolean;
  finished: boolean;
  closed: Promise<unknown> | undefined;
  stall: (() => void) | undefined;
}
const upstreams: Record<string, Upstream> = {};

/** Writes events while the socket takes them, waiting for `drain` when it does not: a well-behaved SSE server. */
function writeLongStream(res: ServerResponse, upstream: Upstream, wire: typeof OPENAI): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  upstream.closed = once(res, 'close');
  if (wire.first) res.write(wire.first);
  const pump = (): void => {
    upstream.stalled = false;
    while (upstream.written < STREAM_BYTES) {
      upstream.written += wire.event.length;
      if (!res.write(wire.event)) {
        upstream.stalled = true;
        upstream.stall?.();
        return void res.once('drain', pump);
      }
    }
    upstream.finished = true;
    res.end(wire.last);
    upstream.stall?.(); // a gateway without backpressure lets it finish: the test sees it
  };
  pump();
}

let server: ReturnType<typeof createServer>;
let gw: RunningGateway;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { stream?: boolean; model: string };
      if (body.stream)
        return writeLongStream(
          res,
          (upstreams[body.model] = newUpstream()),
          req.url === '/v1/messages' ? ANTHROPIC : OPENAI,
        );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c2',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  gw = await startGateway({
    providers: [
      { name: 'long', type: 'openai', baseUrl: url, models: ['m'] },
      { name: 'converted', type: 'anthropic', baseUrl: url.slice(0, -'/v1'.length), apiKey: 'k', models: ['a'] },
    ],
  });
});

afterAll(async () => {
  await gw.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const newUpstream = (): Upstream => ({
  written: 0,
  stalled: false,
  finished: false,
  closed: undefined,
  stall: undefined,
});

const chat = (stream: boolean, model = 'm'): Promise<IncomingMessage> =>
  new Promise((resolve, reject) => {
    const req = request(
      `${gw.url}/v1/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      resolve,
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'x' }] }));
  });

describe('a caller that stops reading a stream', () => {
  it.each([
    ['as the upstream sent it', 'm'],
    ['converted from another protocol', 'a'],
  ])(
    '%s: stops the upstream instead of buffering the stream in the gateway, and a hang-up cancels it',
    async (_, model) => {
      let stall!: () => void;
      const stalled = new Promise<void>((resolve) => (stall = resolve));
      const res = await chat(true, model);
      expect(res.statusCode).toBe(200);
      res.pause(); // reads nothing from here on
      const upstream = upstreams[model]!;
      upstream.stall = stall;
      if (!upstream.stalled && !upstream.finished) await stalled;
      expect(upstream.finished).toBe(false);

      // The gateway keeps serving meanwhile; had it kept reading the upstream, the stream would have moved on.
      for (let i = 0; i < 20; i++) {
        const other = await chat(false);
        expect(other.statusCode).toBe(200);
        other.resume();
        await once(other, 'end');
      }
      expect(upstream.stalled).toBe(true);
      expect(upstream.finished).toBe(false);
      expect(upstream.written).toBeLessThan(BOUND);

      res.destroy();
      await upstream.closed;
      expect(upstream.finished).toBe(false);
    },
  );
});
