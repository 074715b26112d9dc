/**
 * An Anthropic upstream's stream that opens (message_start) and then fails (an `overloaded_error`
 * event, as the API sends one mid-stream) before any content, for a Chat Completions caller whose
 * stream the gateway converts: nothing was written to the caller yet, so the attempt fails over to
 * the next target and the caller sees that target's stream alone; with no target left, the caller
 * gets a plain 529 overloaded_error rather than a stream ending in an error event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

let ant: MockAnthropic;
let standby: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  ant = await startMockAnthropic({ name: 'ant', models: ['claude-test'] });
  standby = await startMockOpenAI({ models: ['gpt-4o-mini'] });
  gw = await startGateway({
    providers: [
      { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'fake-anthropic-key', models: ['claude-test'] },
      mockProvider('standby', standby.baseUrl, { models: ['gpt-4o-mini'], priority: 5 }),
    ],
    models: [
      { name: 'with-standby', targets: ['ant/claude-test', 'standby/gpt-4o-mini'] },
      { name: 'alone', targets: ['ant/claude-test'] },
    ],
    plugins: { 'circuit-breaker': false },
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([ant.close(), standby.close()]);
});

const ask = (model: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });

const streamed = (mock: MockAnthropic) => mock.requests.filter((r) => r.path.startsWith('/v1/messages'));

describe("an Anthropic stream's error event after message_start, before any content, for a Chat caller", () => {
  it('fails over to the next target: one clean stream', async () => {
    ant.queueFault({ kind: 'streamError', afterEvents: 1 });
    const res = await ask('with-standby');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(streamed(ant)).toHaveLength(1);
    expect(standby.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    const chunks = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
      .map((line) => JSON.parse(line.slice('data: '.length)));
    expect(chunks.some((c) => c.error)).toBe(false);
    expect(chunks.filter((c) => c.choices?.[0]?.delta?.role)).toHaveLength(1);
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set(['gpt-4o-mini']));
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('with no target left, answers a plain 529 overloaded_error', async () => {
    ant.queueFault({ kind: 'streamError', afterEvents: 1 });
    const res = await ask('alone');
    expect(res.status).toBe(529);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body.error).toMatchObject({ type: 'overloaded_error', message: expect.stringMatching(/Overloaded/) });
    expect(streamed(ant)).toHaveLength(2);
  });
});
