import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SwitchyardError } from '@switchyard/core';
import type { AttemptResult, Plugin } from '@switchyard/core';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { ProviderAdapter } from '@switchyard/core/provider';
import type { SseEvent } from '@switchyard/core/stream';
import { providerPlugin } from '@switchyard/wire-provider';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/**
 * The two adapter seams, through a real gateway: `protocolFor` (one type speaking the caller's
 * protocol for some models and its own for others) and `readEvents` (a stream framed as
 * newline-delimited JSON instead of SSE), plus Retry-After from `retry-after-ms`.
 *
 * The upstream answers `POST /chat` with one JSON line per event. Models `pass-*` speak OpenAI
 * (chunks, then `[DONE]`); others speak "lines" (`{"say":..}` then `{"end":true}`). A body whose
 * last message is "throttle" gets a `{"throttled":true}` line first; "break" gets one `say` line
 * and then `{"broken":true}`; "busy" gets a 429 with `retry-after-ms: 1500`.
 */
let upstream: Server;
let origin = '';
const sent: Array<Record<string, unknown>> = [];

function lines(body: { model: string; messages: Array<{ content: string }> }): string[] {
  const text = body.messages.at(-1)!.content;
  const out: string[] = [];
  if (text === 'throttle') return [JSON.stringify({ throttled: true })];
  if (body.model.startsWith('pass-')) {
    const chunk = (delta: object, finish: string | null): string =>
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        extra_field: 'kept',
      });
    out.push(
      chunk({ role: 'assistant', content: '' }, null),
      chunk({ content: `echo ${text}` }, null),
      chunk({}, 'stop'),
      '[DONE]',
    );
    return out;
  }
  out.push(JSON.stringify({ say: 'lines ' }), JSON.stringify({ say: text }));
  if (text === 'break') return [out[0]!, JSON.stringify({ broken: true })];
  out.push(JSON.stringify({ end: true }));
  return out;
}

async function* ndjsonEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  let buffered = '';
  for await (const chunk of body) {
    buffered += Buffer.from(chunk).toString('utf8');
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      if (line.includes('"throttled"'))
        throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED', 'throttled in the stream', { expose: true });
      if (line.includes('"broken"'))
        throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'the upstream stream broke', { expose: true });
      yield { data: line };
    }
  }
}

const adapter: ProviderAdapter = {
  protocol: 'lines',
  protocolFor: (target, inbound) => (target.model.startsWith('pass-') && inbound === 'openai' ? 'openai' : 'lines'),
  readEvents: (body) => ndjsonEvents(body),
  decodeResponse: () => {
    throw new Error('streams only');
  },
  async *decodeStream(events, x): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (delta: object, finish: 'stop' | null = null): ChatCompletionChunk => ({
      id: 'l1',
      object: 'chat.completion.chunk',
      created: 1,
      model: x.target!.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    let first = true;
    for await (const event of events) {
      if (first) yield chunk({ role: 'assistant', content: '' });
      first = false;
      const parsed = JSON.parse(event.data) as { say?: string; end?: boolean };
      if (parsed.end) return yield chunk({}, 'stop');
      yield chunk({ content: parsed.say });
    }
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'no end line', { expose: true });
  },
};

const linesPlugin: Plugin<Record<string, never>> = providerPlugin({
  name: 'provider-lines',
  type: 'lines',
  adapter,
  build(req, x) {
    req.url = `${x.target!.instance.baseUrl}/chat`;
    req.headers = { 'content-type': 'application/json' };
    req.body = { ...x.request, model: x.target!.model };
    return req;
  },
});

let gw: RunningGateway;
let client: OpenAI;
const results: AttemptResult[] = [];
const recorder: Plugin<Record<string, never>> = {
  name: 'recorder',
  apply(gateway) {
    gateway.hooks.onResult.tap('recorder', (result) => void results.push(result));
  },
};

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; messages: Array<{ content: string }> };
      sent.push(body);
      if (body.messages.at(-1)!.content === 'busy') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1500' });
        return void res.end(JSON.stringify({ error: { message: 'slow down' } }));
      }
      if (body.messages.at(-1)!.content === 'busy for an hour') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3600' });
        return void res.end(JSON.stringify({ error: { message: 'quota spent' } }));
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(
        lines(body)
          .map((l) => `${l}\n`)
          .join(''),
      );
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gw = await startGateway(
    {
      plugins: { 'circuit-breaker': false, 'load-balancer': false },
      providers: [
        { name: 'a', type: 'lines', baseUrl: origin, models: ['pass-1', 'own-1'] },
        { name: 'b', type: 'lines', baseUrl: origin, models: ['own-1'], priority: 2 },
      ],
    },
    { plugins: [linesPlugin, recorder] },
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterEach(() => {
  sent.length = 0;
  results.length = 0;
});
afterAll(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const raw = async (model: string, content: string): Promise<{ status: number; text: string; headers: Headers }> => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
};

describe('ProviderAdapter.protocolFor and readEvents', () => {
  it('passes a same-protocol stream through, every event re-framed as SSE with unknown fields kept', async () => {
    const { status, text } = await raw('pass-1', 'hi');
    expect(status).toBe(200);
    const events = text.trim().split('\n\n');
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events).toHaveLength(4);
    expect(JSON.parse(events[1]!.slice('data: '.length))).toMatchObject({
      choices: [{ delta: { content: 'echo hi' } }],
      extra_field: 'kept',
    });
  });

  it('converts a stream of its own protocol, read through readEvents, into canonical chunks', async () => {
    const stream = await client.chat.completions.create({
      model: 'own-1',
      stream: true,
      messages: [{ role: 'user', content: 'there' }],
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('lines there');
  });

  it('makes a throttling error thrown before the first event a rate_limited attempt, and fails over', async () => {
    const { status } = await raw('own-1', 'throttle');
    expect(status).toBe(429);
    expect(results.map((r) => [r.target.instance.name, r.outcome])).toEqual([
      ['a', 'rate_limited'],
      ['b', 'rate_limited'],
    ]);
  });

  it('ends a stream that breaks after its first event with an error event', async () => {
    const { status, text } = await raw('own-1', 'break');
    expect(status).toBe(200);
    expect(text).toContain('lines ');
    expect(text).toContain('the upstream stream broke');
    expect(text).not.toContain('[DONE]');
    expect(results.map((r) => [r.outcome, r.failure])).toEqual([['failure', 'stream_broken']]);
  });
});

describe('Retry-After from retry-after-ms', () => {
  it('rounds retry-after-ms up to whole seconds for the caller and the attempt result', async () => {
    const { status, headers } = await raw('pass-1', 'busy');
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('2');
    expect(headers.get('x-should-retry')).toBeNull();
    expect(results.map((r) => [r.outcome, r.retryAfter])).toEqual([['rate_limited', '2']]);
  });

  it('passes a wait of an hour on with x-should-retry: false, so SDK clients report it instead of sleeping', async () => {
    const { status, headers } = await raw('pass-1', 'busy for an hour');
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('3600');
    expect(headers.get('x-should-retry')).toBe('false');
  });
});
