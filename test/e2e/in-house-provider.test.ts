import type { Server } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme } from '@switchyard/example-inhouse-provider';
// The example's own stand-in for the internal API, also used by its README.
import { startAcme } from '../../examples/inhouse-provider/mock-acme.mjs';
import { startProcess } from '../support/cli.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

interface Acme {
  server: Server;
  requests: Array<Record<string, unknown>>;
  url: string;
}

let upstream: Acme;
let gw: RunningGateway;
let client: OpenAI;
const ask = (content: string) => ({
  model: 'acme-large',
  messages: [
    { role: 'system' as const, content: 'be brief' },
    { role: 'user' as const, content },
  ],
});

beforeAll(async () => {
  upstream = (await startAcme(0)) as Acme;
  gw = await startGateway(
    {
      providers: [
        {
          name: 'acme-internal',
          type: 'acme',
          baseUrl: upstream.url,
          apiKey: 'acme-dev-token',
          models: ['acme-large'],
        },
      ],
    },
    { plugins: [acme()] },
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  upstream.server.closeAllConnections();
  await new Promise((r) => upstream.server.close(r));
});

describe('examples/inhouse-provider: a provider with its own wire format', () => {
  it('converts the request and the answer to and from the OpenAI shape', async () => {
    const res = await client.chat.completions.create({ ...ask('hello'), max_tokens: 50 });
    expect(res.choices[0]!.message.content).toBe('acme heard: hello');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toEqual({ prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 });
    expect(upstream.requests.at(-1)).toEqual({
      engine: 'acme-large',
      turns: [
        { who: 'system', say: 'be brief' },
        { who: 'human', say: 'hello' },
      ],
      stream: false,
      max_words: 50,
    });
  });

  it('maps its length stop to finish_reason length', async () => {
    const res = await client.chat.completions.create({ ...ask('one two three four'), max_tokens: 2 });
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('converts its stream into OpenAI chunks ending with [DONE]', async () => {
    const raw = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('hi'), stream: true }),
    });
    expect((await raw.text()).trim().endsWith('data: [DONE]')).toBe(true);
    const stream = await client.chat.completions.create({ ...ask('hi'), stream: true });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('acme heard: hi');
  });

  it('ends a converted stream that breaks with an OpenAI error event and no [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask('break'), stream: true }),
    });
    const events = (await res.text()).trim().split('\n\n');
    expect(events.slice(0, 3).every((e) => e.startsWith('data: {"id":"acme"'))).toBe(true);
    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":"acme-internal\/acme-large: /);
    expect(events.join()).not.toContain('[DONE]');
  });

  it('names what it dropped in x-switchyard-warnings', async () => {
    const { response } = await client.chat.completions
      .create({
        ...ask('hi'),
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-warnings')).toContain('acme: tools are not supported and were dropped');
  });

  it('answers 503 when the only candidate cannot serve embeddings', async () => {
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'acme-large', input: 'x' }),
    });
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toContain('does not serve embeddings');
  });

  it('is loaded from its config file by npm start (modules:)', async () => {
    const started = await startProcess(
      'npm',
      ['start', '--silent', '--', '--config', 'examples/inhouse-provider/switchyard.config.yaml', '--port', '0'],
      {
        ACME_BASE_URL: upstream.url,
      },
    );
    try {
      const cli = new OpenAI({ baseURL: `${started.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const res = await cli.chat.completions.create({
        model: 'internal',
        messages: [{ role: 'user', content: 'from config' }],
      });
      expect(res.choices[0]!.message.content).toBe('acme heard: from config');
    } finally {
      await started.stop();
    }
  });
});
