import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { CLI, startProcess } from '../support/cli.js';
import type { StartedProcess } from '../support/cli.js';

const EXAMPLE = 'examples/smart-router/switchyard.config.yaml';
let lab: MockOpenAI;
let hosted: MockOpenAI;
let gw: StartedProcess;

beforeAll(async () => {
  lab = await startMockOpenAI({ name: 'lab', models: ['llama-3.1-70b-instruct', 'qwen2.5-coder-7b-instruct'] });
  hosted = await startMockOpenAI({ name: 'hosted' });
  gw = await startProcess(
    process.execPath,
    [CLI, 'start', '--preset', '@switchyard/preset-smart-router', '--config', EXAMPLE, '--port', '0'],
    {
      LAB_BASE_URL: lab.baseUrl,
      HOSTED_BASE_URL: hosted.baseUrl,
    },
  );
});
afterAll(async () => {
  await gw?.stop();
  await lab.close();
  await hosted.close();
});

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

describe('preset-smart-router from the example config', () => {
  it('serves what discovery found on the local server, beside the configured models and the alias', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'llama-3.1-70b-instruct',
        'qwen2.5-coder-7b-instruct',
        'gpt-4o-mini',
        'gpt-4o',
        'assistant',
      ]),
    );
    expect(lab.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);
  });

  it('routes tag queries to discovered models', async () => {
    const coder = await chat({ model: 'tag:code,7b' });
    expect(coder.status).toBe(200);
    expect(coder.headers.get('x-switchyard-target')).toBe('lab/qwen2.5-coder-7b-instruct');
    expect((await chat({ model: 'tag:70b,local' })).headers.get('x-switchyard-target')).toBe(
      'lab/llama-3.1-70b-instruct',
    );
    expect((await chat({ model: 'tag:hosted,mini' })).headers.get('x-switchyard-target')).toBe('hosted/gpt-4o-mini');
  });

  it('drops a target that cannot take the request: an image goes to the vision model of the alias', async () => {
    const res = await chat({
      model: 'assistant',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-target')).toBe('hosted/gpt-4o');
    const none = await chat({
      model: 'tag:local',
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      ],
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('capability_unmet');
  });

  it('orders the alias by the balanced score, and explains it without calling an upstream', async () => {
    const before = lab.requests.length + hosted.requests.length;
    const res = await fetch(`${gw.url}/admin/route/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as {
      targets: string[];
      orderings: Array<{ by: string; scores: Record<string, number>; note?: string }>;
    };
    expect([...plan.targets].sort()).toEqual(['hosted/gpt-4o', 'lab/llama-3.1-70b-instruct']);
    const balanced = plan.orderings.find((o) => o.by === 'strategies')!;
    expect(balanced.note).toContain('balanced');
    expect(Object.keys(balanced.scores).sort()).toEqual(['hosted/gpt-4o', 'lab/llama-3.1-70b-instruct']);
    expect(lab.requests.length + hosted.requests.length).toBe(before);
  });
});
