import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

const event = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** An Anthropic Messages stream whose last event and the body's end leave in one write, as most servers send them. */
const EVENTS = [
  event('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'a',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 3, output_tokens: 1 },
    },
  }),
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hello' } }),
  event('content_block_stop', { index: 0 }),
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }),
  event('message_stop', {}),
];

let server: ReturnType<typeof createServer>;
let connections = 0;
let gw: RunningGateway;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const write = (i: number): void => {
        if (i === EVENTS.length - 1) return void res.end(EVENTS[i]);
        res.write(EVENTS[i], () => setImmediate(() => write(i + 1)));
      };
      write(0);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gw = await startGateway({
    providers: [{ name: 'claude', type: 'anthropic', baseUrl: url, apiKey: 'k', models: ['a'] }],
  });
});

afterAll(async () => {
  await gw.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const stream = async (): Promise<string> => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'a', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  return res.text();
};

describe('a converted stream that ended', () => {
  it('leaves its upstream connection open for the next request', async () => {
    for (let i = 0; i < 3; i++) {
      const text = await stream();
      expect(text).toContain('"content":"hello"');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    }
    expect(connections).toBe(1);
  });
});
