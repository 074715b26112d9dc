/**
 * A converted stream whose upstream opens at once (Anthropic's message_start) and then sends only
 * pings for longer than the instance's `timeoutMs` before its first content: the decoder holds the
 * opening back until that content (so an error before it can still fail over), but the upstream's
 * first event ends the first-event timeout, as for any stream. Between events, the body timeout
 * (`timeoutMs` without a byte) applies: the pings here come 15 times as often as it would fire.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

const TIMEOUT_MS = 1500;
const PINGS = 40;
const PING_EVERY_MS = 100;

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

let upstream: Server;
let calls = 0;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        sse('message_start', {
          type: 'message_start',
          message: {
            id: 'msg_slow',
            type: 'message',
            role: 'assistant',
            model: 'claude-slow',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 5, output_tokens: 1 },
          },
        }),
      );
      let sent = 0;
      const timer = setInterval(() => {
        if (++sent < PINGS) return void res.write(sse('ping', { type: 'ping' }));
        clearInterval(timer);
        res.write(
          sse('content_block_start', {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          }),
        );
        res.write(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'text_delta', text: 'at last' },
          }),
        );
        res.write(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
        res.write(
          sse('message_delta', {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: 3 },
          }),
        );
        res.end(sse('message_stop', { type: 'message_stop' }));
      }, PING_EVERY_MS);
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  gw = await startGateway({
    providers: [
      {
        name: 'slow',
        type: 'anthropic',
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: 'fake-anthropic-key',
        models: ['claude-slow'],
        timeoutMs: TIMEOUT_MS,
      },
    ],
    plugins: { 'circuit-breaker': false },
  });
});
afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('a converted stream that opens, then pings past timeoutMs before its first content', () => {
  it('is not timed out: the first upstream event ended the first-event timeout', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-slow', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const chunks = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
      .map((line) => JSON.parse(line.slice('data: '.length)));
    expect(chunks.some((c) => c.error)).toBe(false);
    expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')).toBe('at last');
    expect(calls).toBe(1);
  });
});
