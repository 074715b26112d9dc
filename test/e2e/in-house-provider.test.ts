import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvertStage, SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk, Plugin, ProviderAdapter, SseEvent } from '@switchyard/core';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/**
 * A provider with a wire format of its own ("toy"): the path every converted protocol takes.
 * Request {prompt, stream}; response {text, tokens}; stream `event: token` … `event: end`.
 */
const toyAdapter: ProviderAdapter = {
  protocol: 'toy',
  decodeResponse: (body) => {
    const { text, tokens } = body as { text: string; tokens: number };
    return {
      id: 'toy-1',
      object: 'chat.completion',
      created: 0,
      model: 'toy',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 },
    };
  },
  async *decodeStream(events: AsyncIterable<SseEvent>): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (delta: ChatCompletionChunk['choices'][0]['delta'], finish: 'stop' | null = null): ChatCompletionChunk => ({
      id: 'toy-1', object: 'chat.completion.chunk', created: 0, model: 'toy', choices: [{ index: 0, delta, finish_reason: finish }],
    });
    for await (const event of events) {
      if (event.event === 'end') return yield chunk({}, 'stop');
      yield chunk({ content: (JSON.parse(event.data) as { t: string }).t });
    }
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'toy stream ended without end event', { expose: true });
  },
};

const toyProvider: Plugin = {
  name: 'provider-toy',
  apply(gateway) {
    gateway.providers.define('toy', toyAdapter);
    gateway.hooks.convertRequest.for('toy').tap({ name: 'provider-toy', stage: ConvertStage.BUILD }, (req, x) => {
      const last = x.request!.messages.at(-1)!;
      req.url = `${x.target!.instance.baseUrl}/generate`;
      req.headers = { 'content-type': 'application/json' };
      req.body = { prompt: typeof last.content === 'string' ? last.content : '', stream: req.stream };
      return req;
    });
  },
};

let server: ReturnType<typeof createServer>;
let gw: RunningGateway;
let client: OpenAI;
const received: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { prompt: string; stream: boolean };
      received.push(body);
      const words = `toy says ${body.prompt}`.split(' ');
      if (!body.stream) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: words.join(' '), tokens: words.length }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      words.forEach((w, i) => res.write(`event: token\ndata: ${JSON.stringify({ t: i ? ` ${w}` : w })}\n\n`));
      // Once the words are on the wire, drop the connection without the end event.
      if (body.prompt === 'break') return void res.write('\n', () => res.destroy());
      res.end('event: end\ndata: {}\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  gw = await startGateway(
    { providers: [{ name: 'toy-1', type: 'toy', baseUrl: `http://127.0.0.1:${port}`, models: ['toy-model'] }] },
    { plugins: [toyProvider] },
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('an in-house provider plugin with its own wire format', () => {
  it('converts a non-streaming answer into the OpenAI shape', async () => {
    const res = await client.chat.completions.create({ model: 'toy-model', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.choices[0]!.message.content).toBe('toy says hello');
    expect(res.usage?.completion_tokens).toBe(3);
    expect(received.at(-1)).toEqual({ prompt: 'hello', stream: false });
  });

  it('converts its stream into OpenAI chunks ending with [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'toy-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const text = await res.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    const stream = await client.chat.completions.create({ model: 'toy-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('toy says hi');
  });

  it('ends a converted stream that breaks with an OpenAI error event and no [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'toy-model', stream: true, messages: [{ role: 'user', content: 'break' }] }),
    });
    const events = (await res.text()).trim().split('\n\n');
    expect(events.slice(0, 3).every((e) => e.startsWith('data: {"id":"toy-1"'))).toBe(true);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":"toy-1\/toy-model: /);
    expect(events.join()).not.toContain('[DONE]');
  });

  it('answers 503 when the only candidate cannot serve embeddings', async () => {
    const res = await fetch(`${gw.url}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'toy-model', input: 'x' }) });
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toContain('does not serve embeddings');
  });
});
