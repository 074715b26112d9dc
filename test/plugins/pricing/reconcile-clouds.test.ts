/**
 * The cost plugin-pricing computes, reconciled per token kind with usage × price, for the cloud
 * providers: Azure OpenAI, AWS Bedrock (Converse and InvokeModel) and Google Vertex AI (Gemini and
 * Claude). One distinct price per kind (RATES), so a token priced as the wrong kind changes the total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRICING_COST, formatUsd } from '@switchyard/plugin-pricing';
import type { RequestCost, TokenCounts } from '@switchyard/plugin-pricing';
import { AWS_KEY, bedrockProvider } from '../../support/clouds.js';
import { finishedExchanges } from '../../support/finishes.js';
import { memoryLogger, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startMockAzureOpenAI } from '../../support/mock-azure-openai.js';
import type { MockAzureOpenAI } from '../../support/mock-azure-openai.js';
import { startMockBedrock } from '../../support/mock-bedrock.js';
import type { MockBedrock } from '../../support/mock-bedrock.js';
import { serviceAccountKey, startMockOAuth } from '../../support/mock-oauth.js';
import type { MockOAuth, ServiceAccount } from '../../support/mock-oauth.js';
import { startMockVertex } from '../../support/mock-vertex.js';
import type { MockVertex } from '../../support/mock-vertex.js';
import { LONG, RATES, anthropicKinds, dataEvents, expectedUsd, none, openaiKinds } from '../../support/reconcile.js';

const AZ_KEY = 'azure-upstream-key-0123456789abcdef';
const BR_CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const BR_NOVA = 'amazon.nova-lite-v1:0';
const VX_GEMINI = 'gemini-2.5-flash';
const VX_CLAUDE = 'claude-sonnet-4-5@20250929';
const PROJECT = 'demo-project';
const LOCATION = 'us-east5';
const GEMINI_CACHED = 7;

let oauth: MockOAuth & { addServiceAccount(a: ServiceAccount): void };
let az: MockAzureOpenAI;
let br: MockBedrock;
let vx: MockVertex;
let gw: RunningGateway;
const finished = finishedExchanges();
const log = memoryLogger();

beforeAll(async () => {
  oauth = await startMockOAuth();
  const sa = serviceAccountKey(oauth);
  oauth.addServiceAccount(sa.account);
  az = await startMockAzureOpenAI({ apiKey: AZ_KEY, name: 'az', deployments: { 'gpt4o-prod': 'gpt-4o-2024-11-20' } });
  br = await startMockBedrock({ keys: [AWS_KEY], name: 'br', models: [BR_CLAUDE, BR_NOVA] });
  vx = await startMockVertex({
    oauth,
    project: PROJECT,
    location: LOCATION,
    name: 'vx',
    geminiModels: [VX_GEMINI],
    claudeModels: [VX_CLAUDE],
    gemini: { cachedTokens: GEMINI_CACHED },
    claude: { promptCache: true, minCacheTokens: 50 },
  });
  const models = ['gpt-4o', BR_CLAUDE, BR_NOVA, VX_GEMINI, VX_CLAUDE];
  gw = await startGateway(
    {
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: AZ_KEY,
          deployments: { 'gpt-4o': 'gpt4o-prod' },
        },
        bedrockProvider('br', br.origin, { models: [BR_CLAUDE, BR_NOVA] }),
        {
          name: 'vx',
          type: 'vertex',
          baseUrl: vx.origin,
          project: PROJECT,
          location: LOCATION,
          credentials: sa.key,
          models: [VX_GEMINI, VX_CLAUDE],
        },
      ],
      catalog: Object.fromEntries(models.map((m) => [m, { pricing: RATES }])),
      plugins: { 'prompt-cache': false, 'circuit-breaker': false, pricing: { header: true } },
    },
    { plugins: [finished.plugin], logger: log.logger },
  );
});

afterAll(async () => {
  await gw.close();
  await Promise.all([az.close(), br.close(), vx.close(), oauth.close()]);
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function costOfNext(): Promise<RequestCost> {
  const x = await finished.next();
  return x.get(PRICING_COST)!;
}

/** The cost of one attempt is exactly these kinds, at their prices; and a non-streamed answer says so in its header. */
function reconciles(cost: RequestCost | undefined, kinds: TokenCounts, res?: Response): asserts cost {
  expect(cost, 'the request was not priced').toBeDefined();
  if (!cost) return;
  expect(cost.unpriced ?? []).toEqual([]);
  expect(cost.attempts).toHaveLength(1);
  expect(cost.attempts[0]!.tokens).toEqual(kinds);
  expect(cost.usd).toBeGreaterThan(0);
  expect(cost.usd).toBeCloseTo(expectedUsd(kinds), 12);
  if (res) {
    expect(res.headers.get('x-switchyard-cost')).toBe(formatUsd(cost.usd));
    const line = log.lines.findLast((l) => l.msg === 'request' && l.requestId === res.headers.get('x-request-id'));
    expect(line!.costUsd).toBe(cost.usd);
  }
}

const anthropicHeaders = { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'extended-cache-ttl-2025-04-11' };

describe('Azure OpenAI (pass-through)', () => {
  const ask = { model: 'gpt-4o', messages: [{ role: 'user', content: 'price me on azure' }] };

  it('JSON: prices input and output', async () => {
    const res = await post('/v1/chat/completions', ask);
    const body = await res.json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.input).toBeGreaterThan(0);
    expect(kinds.output).toBeGreaterThan(0);
    reconciles(cost, kinds, res);
  });

  it('stream whose caller asked for usage: prices the usage chunk', async () => {
    const res = await post('/v1/chat/completions', { ...ask, stream: true, stream_options: { include_usage: true } });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    const usage = events.at(-1).usage;
    expect(usage).toBeTruthy();
    reconciles(cost, openaiKinds(usage));
  });

  it('stream whose caller did not ask for usage: still priced, and no usage chunk reaches the caller', async () => {
    const twin = await (await post('/v1/chat/completions', ask)).json();
    await costOfNext();
    az.reset();
    const res = await post('/v1/chat/completions', { ...ask, stream: true });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    expect(events.some((e) => e.usage)).toBe(false);
    expect(az.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    reconciles(cost, openaiKinds(twin.usage));
  });
});

describe('AWS Bedrock', () => {
  const converseAsk = (tag: string) => ({
    model: BR_NOVA,
    messages: [
      {
        role: 'system',
        content: [{ type: 'text', text: LONG(`${tag}-system`, 200), cache_control: { type: 'ephemeral' } }],
      },
      { role: 'user', content: `question ${tag}` },
    ],
  });

  it('Converse JSON (OpenAI caller): prices input and a cache write, then a cache read, and output', async () => {
    const res1 = await post('/v1/chat/completions', converseAsk('cv'));
    const first = await res1.json();
    const written = await costOfNext();
    const w = openaiKinds(first.usage);
    expect(w.cacheWrite5m).toBeGreaterThan(0);
    expect(w.cachedRead).toBe(0);
    reconciles(written, w, res1);

    const res2 = await post('/v1/chat/completions', converseAsk('cv'));
    const second = await res2.json();
    const read = await costOfNext();
    const r = openaiKinds(second.usage);
    expect(r.cachedRead).toBe(w.cacheWrite5m);
    expect(r.cacheWrite5m).toBe(0);
    reconciles(read, r, res2);
  });

  it('ConverseStream (OpenAI caller): prices the metadata usage, cache write then cache read', async () => {
    const stream = async () => {
      const res = await post('/v1/chat/completions', {
        ...converseAsk('cvs'),
        stream: true,
        stream_options: { include_usage: true },
      });
      const usage = dataEvents(await res.text()).at(-1).usage;
      return { kinds: openaiKinds(usage), cost: await costOfNext() };
    };
    const first = await stream();
    expect(first.kinds.cacheWrite5m).toBeGreaterThan(0);
    reconciles(first.cost, first.kinds);
    const second = await stream();
    expect(second.kinds.cachedRead).toBe(first.kinds.cacheWrite5m);
    reconciles(second.cost, second.kinds);
  });

  it('ConverseStream whose caller did not ask for usage: priced as its JSON twin', async () => {
    const ask = { model: BR_CLAUDE, messages: [{ role: 'user', content: 'stream me, no usage' }] };
    const twin = await (await post('/v1/chat/completions', ask)).json();
    await costOfNext();
    const res = await post('/v1/chat/completions', { ...ask, stream: true });
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    expect(events.some((e) => e.usage)).toBe(false);
    reconciles(cost, openaiKinds(twin.usage));
  });

  const invokeAsk = (extra: Record<string, unknown> = {}) => ({
    model: BR_CLAUDE,
    max_tokens: 200,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'invoke me' }],
    ...extra,
  });

  it('InvokeModel JSON (Anthropic caller, pass-through): prices input, cache read and output', async () => {
    const res = await post('/v1/messages', invokeAsk(), anthropicHeaders);
    const body = await res.json();
    const cost = await costOfNext();
    const kinds = anthropicKinds(body.usage);
    expect(kinds.cachedRead).toBeGreaterThan(0);
    reconciles(cost, kinds, res);
  });

  it('InvokeModelWithResponseStream (Anthropic caller): prices message_start and message_delta usage', async () => {
    const res = await post('/v1/messages', invokeAsk({ stream: true }), anthropicHeaders);
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    const start = events.find((e) => e.type === 'message_start').message.usage;
    const delta = events.find((e) => e.type === 'message_delta').usage;
    const kinds = anthropicKinds({ ...start, ...delta });
    expect(kinds.cachedRead).toBeGreaterThan(0);
    expect(kinds.output).toBeGreaterThan(0);
    reconciles(cost, kinds);
  });
});

describe('Google Vertex AI', () => {
  const geminiAsk = {
    model: VX_GEMINI,
    reasoning_effort: 'low',
    messages: [{ role: 'user', content: 'vertex, think' }],
  };

  it('Gemini JSON: prices input, cached input, output and thoughts', async () => {
    const res = await post('/v1/chat/completions', geminiAsk);
    const body = await res.json();
    const cost = await costOfNext();
    const kinds = openaiKinds(body.usage);
    expect(kinds.cachedRead).toBe(GEMINI_CACHED);
    expect(kinds.reasoning).toBeGreaterThan(0);
    expect(kinds.input).toBeGreaterThan(0);
    expect(kinds.output).toBeGreaterThan(0);
    reconciles(cost, kinds, res);
  });

  it('Gemini stream, caller asked for usage and caller did not: both priced as the JSON twin', async () => {
    const twin = openaiKinds((await (await post('/v1/chat/completions', geminiAsk)).json()).usage);
    await costOfNext();
    const withUsage = await post('/v1/chat/completions', {
      ...geminiAsk,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usage = dataEvents(await withUsage.text()).at(-1).usage;
    const asked = await costOfNext();
    expect(openaiKinds(usage)).toEqual(twin);
    reconciles(asked, twin);

    const without = await post('/v1/chat/completions', { ...geminiAsk, stream: true });
    const events = dataEvents(await without.text());
    const unasked = await costOfNext();
    expect(events.some((e) => e.usage)).toBe(false);
    reconciles(unasked, twin);
  });

  const claudeAsk = (tag: string, extra: Record<string, unknown> = {}) => ({
    model: VX_CLAUDE,
    max_tokens: 200,
    system: [{ type: 'text', text: LONG(`${tag}-system`, 200), cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: LONG(`${tag}-user`, 100), cache_control: { type: 'ephemeral' } }],
      },
    ],
    ...extra,
  });

  it('Claude JSON (Anthropic caller, rawPredict): prices input, 1-hour and 5-minute cache writes, then cache reads', async () => {
    const res1 = await post('/v1/messages', claudeAsk('vxc'), anthropicHeaders);
    const w = anthropicKinds((await res1.json()).usage);
    const written = await costOfNext();
    expect(w.cacheWrite1h).toBeGreaterThan(0);
    expect(w.cacheWrite5m).toBeGreaterThan(0);
    reconciles(written, w, res1);

    const res2 = await post('/v1/messages', claudeAsk('vxc'), anthropicHeaders);
    const r = anthropicKinds((await res2.json()).usage);
    const read = await costOfNext();
    expect(r.cachedRead).toBe(w.cacheWrite1h + w.cacheWrite5m);
    expect(r.cacheWrite1h + r.cacheWrite5m).toBe(0);
    reconciles(read, r, res2);
  });

  it('Claude stream (Anthropic caller, streamRawPredict): prices message_start and message_delta usage', async () => {
    const res = await post('/v1/messages', claudeAsk('vxcs', { stream: true }), anthropicHeaders);
    const events = dataEvents(await res.text());
    const cost = await costOfNext();
    const start = events.find((e) => e.type === 'message_start').message.usage;
    const delta = events.find((e) => e.type === 'message_delta').usage;
    const kinds = anthropicKinds({ ...start, ...delta });
    expect(kinds.cacheWrite1h).toBeGreaterThan(0);
    expect(kinds.cacheWrite5m).toBeGreaterThan(0);
    reconciles(cost, kinds);
  });

  it('Claude converted for an OpenAI caller: cache writes by lifetime, then cache reads in a stream', async () => {
    const ask = {
      model: VX_CLAUDE,
      max_tokens: 200,
      messages: [
        {
          role: 'system',
          content: [{ type: 'text', text: LONG('vxo-system', 200), cache_control: { type: 'ephemeral', ttl: '1h' } }],
        },
        {
          role: 'user',
          content: [{ type: 'text', text: LONG('vxo-user', 100), cache_control: { type: 'ephemeral' } }],
        },
      ],
    };
    const res = await post('/v1/chat/completions', ask);
    const w = openaiKinds((await res.json()).usage);
    const written = await costOfNext();
    expect(w.cacheWrite1h).toBeGreaterThan(0);
    expect(w.cacheWrite5m).toBeGreaterThan(0);
    reconciles(written, w, res);

    const stream = await post('/v1/chat/completions', {
      ...ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    const r = openaiKinds(dataEvents(await stream.text()).at(-1).usage);
    const read = await costOfNext();
    expect(r).toEqual({ ...none, input: w.input, cachedRead: w.cacheWrite1h + w.cacheWrite5m, output: r.output });
    reconciles(read, r);
  });
});
