import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, startProcess } from '../support/cli.js';
import type { StartedProcess } from '../support/cli.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { testPrefix } from '../support/tcp-proxy.js';

/**
 * Two gateway processes (the switchyard CLI with preset-cluster, response cache enabled on the
 * gateway store) on one Redis prefix: an answer stored through one is served by the other.
 */
const PRESET = join(ROOT, 'presets/cluster/dist/index.js');
const prefix = testPrefix();
const admin = new Redis('redis://127.0.0.1:6379');
let upstream: MockOpenAI;
let a: StartedProcess;
let b: StartedProcess;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'up' });
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-response-cache-'));
  const file = join(dir, 'switchyard.config.json');
  await writeFile(
    file,
    JSON.stringify({
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: prefix },
      providers: [
        {
          name: 'up',
          type: 'openai',
          baseUrl: upstream.baseUrl,
          apiKey: 'sk-upstream-secret-up-0123456789',
          models: ['gpt-4o-mini'],
        },
      ],
      // storeWaitMs: a lookup waits for Redis as long as it takes here (a busy machine's stalled event loop would otherwise end it).
      plugins: { 'response-cache': { enabled: true, backend: 'store', ttlSeconds: 30, storeWaitMs: 30_000 } },
    }),
  );
  const args = [CLI, 'start', '--config', file, '--port', '0', '--preset', PRESET];
  [a, b] = await Promise.all([startProcess(process.execPath, args), startProcess(process.execPath, args)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await upstream?.close();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

const chat = async (
  replica: StartedProcess,
  body: unknown,
): Promise<{ cache: string | null; json: any; text: string }> => {
  const res = await fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return {
    cache: res.headers.get('x-switchyard-cache'),
    json: text.startsWith('{') ? JSON.parse(text) : undefined,
    text,
  };
};

const calls = () => upstream.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

describe('response cache on the Redis store, two gateway processes', () => {
  it('serves on replica B the answer stored through replica A, JSON and streamed', async () => {
    expect(a.url).not.toBe(b.url);
    const body = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'shared question' }] };
    const first = await chat(a, body);
    expect(first.cache).toBe('miss');
    const second = await chat(b, body);
    expect(second.cache).toBe('hit');
    expect(second.json).toEqual(first.json);
    const streamed = await chat(b, { ...body, stream: true });
    expect(streamed.cache).toBe('hit');
    expect(streamed.text).toContain(JSON.stringify(first.json.choices[0].message.content).slice(1, -1));
    expect(streamed.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(calls()).toBe(1);
    const stored = await admin.keys(`${prefix}response-cache:*`);
    expect(stored).toHaveLength(1);
    expect(await admin.pttl(stored[0]!)).toBeGreaterThan(25_000);
  });
});
