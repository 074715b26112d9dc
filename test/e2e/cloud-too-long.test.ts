/**
 * Azure OpenAI, Bedrock and Vertex refuse a prompt over the model's window in their own words
 * (Azure as OpenAI: 400 context_length_exceeded; Bedrock: 400 ValidationException "Input is too
 * long for requested model." from Converse, Claude's "prompt is too long: …" from InvokeModel;
 * Vertex: Gemini's INVALID_ARGUMENT token count or Claude's "prompt is too long: …"). Each caller
 * gets its own protocol's too-long error, as the caller's error (outcome business_error): Chat and
 * Responses callers code context_length_exceeded, Messages callers invalid_request_error
 * "prompt is too long: …".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { resultRecorder } from '../support/exchange-recorder.js';
import { startMockAzureOpenAI } from '../support/mock-azure-openai.js';
import type { MockAzureOpenAI } from '../support/mock-azure-openai.js';
import { startMockBedrock } from '../support/mock-bedrock.js';
import type { MockBedrock } from '../support/mock-bedrock.js';
import { serviceAccountKey, startMockOAuth } from '../support/mock-oauth.js';
import type { MockOAuth, ServiceAccount } from '../support/mock-oauth.js';
import { startMockVertex } from '../support/mock-vertex.js';
import type { MockVertex } from '../support/mock-vertex.js';
import { AWS_KEY, bedrockProvider } from '../support/clouds.js';

const long = 'x'.repeat(4000); // ~1000 tokens, over every window of 500 below
const AZURE_KEY = 'fake-azure-upstream-key';
const CLAUDE_BEDROCK = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const GEMINI = 'gemini-2.5-flash';
const CLAUDE_VERTEX = 'claude-sonnet-4-5@20250929';
const PROJECT = 'demo-project';
const LOCATION = 'us-east5';

let az: MockAzureOpenAI;
let br: MockBedrock;
let oauth: MockOAuth & { addServiceAccount(a: ServiceAccount): void };
let vx: MockVertex;
let gw: RunningGateway;
const { plugin: recorder, results, outcomes } = resultRecorder();

beforeAll(async () => {
  az = await startMockAzureOpenAI({
    apiKey: AZURE_KEY,
    name: 'az',
    deployments: { 'gpt4o-prod': 'gpt-4o-2024-11-20' },
    contextWindows: { 'gpt-4o': 500 },
  });
  br = await startMockBedrock({
    keys: [AWS_KEY],
    name: 'br',
    models: [CLAUDE_BEDROCK, NOVA],
    contextWindows: { 'claude-3-5-haiku': 500, 'nova-lite': 500 },
  });
  oauth = await startMockOAuth();
  const sa = serviceAccountKey(oauth);
  oauth.addServiceAccount(sa.account);
  vx = await startMockVertex({
    oauth,
    project: PROJECT,
    location: LOCATION,
    name: 'vx',
    geminiModels: [GEMINI],
    claudeModels: [CLAUDE_VERTEX],
    contextWindows: { [GEMINI]: 500, 'claude-sonnet-4-5': 500 },
  });
  gw = await startGateway(
    {
      plugins: { 'load-balancer': false },
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: az.origin,
          apiKey: AZURE_KEY,
          apiVersion: '2025-04-01-preview',
          deployments: { 'gpt-4o': 'gpt4o-prod' },
        },
        bedrockProvider('br', br.origin, { models: [CLAUDE_BEDROCK, NOVA] }),
        {
          name: 'vx',
          type: 'vertex',
          baseUrl: vx.origin,
          project: PROJECT,
          location: LOCATION,
          credentials: sa.key,
          models: [GEMINI, CLAUDE_VERTEX],
        },
      ],
      models: [
        { name: 'azure', targets: ['az/gpt-4o'] },
        { name: 'bedrock-claude', targets: [`br/${CLAUDE_BEDROCK}`] },
        { name: 'bedrock-nova', targets: [`br/${NOVA}`] },
        { name: 'vertex-gemini', targets: [`vx/${GEMINI}`] },
        { name: 'vertex-claude', targets: [`vx/${CLAUDE_VERTEX}`] },
      ],
    },
    { plugins: [recorder] },
  );
});
beforeEach(() => {
  results.length = 0;
});
afterAll(async () => {
  await gw.close();
  await Promise.all([az.close(), br.close(), vx.close(), oauth.close()]);
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const chat = (model: string) => post('/v1/chat/completions', { model, messages: [{ role: 'user', content: long }] });
const messages = (model: string) =>
  post('/v1/messages', { model, max_tokens: 50, messages: [{ role: 'user', content: long }] });
const responses = (model: string, stream = false) =>
  post('/v1/responses', { model, input: long, ...(stream ? { stream: true } : {}) });

const MODELS = ['azure', 'bedrock-claude', 'bedrock-nova', 'vertex-gemini', 'vertex-claude'];
const TOO_LONG = { type: 'invalid_request_error', code: 'context_length_exceeded' };
const BEDROCK_TOO_LONG = 'Input is too long for requested model.';

describe('a prompt over the window, refused by Azure OpenAI, Bedrock or Vertex', () => {
  it.each(MODELS)('%s: reaches a Chat caller as code context_length_exceeded', async (model) => {
    const r = await chat(model);
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.text).error).toMatchObject(TOO_LONG);
    expect(outcomes()).toEqual([[expect.any(String), 'business_error']]);
  });

  it.each(MODELS)('%s: reaches a Responses caller as code context_length_exceeded', async (model) => {
    const r = await responses(model);
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.text).error).toMatchObject(TOO_LONG);
    expect(outcomes()).toEqual([[expect.any(String), 'business_error']]);
  });

  it.each([
    // The upstreams that name the counts: the caller gets them in Anthropic's sentence.
    ['azure', /^prompt is too long: \d+ tokens > 500 maximum$/],
    ['bedrock-claude', /^prompt is too long: \d+ tokens > 500 maximum$/],
    ['vertex-gemini', /^prompt is too long: \d+ tokens > 500 maximum$/],
    ['vertex-claude', /^prompt is too long: \d+ tokens > 500 maximum$/],
    // Bedrock's Converse names none.
    ['bedrock-nova', /^prompt is too long: Input is too long for requested model\.$/],
  ])('%s: reaches a Messages caller as invalid_request_error "prompt is too long"', async (model, message) => {
    const r = await messages(model);
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.text)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(message) },
    });
    expect(outcomes()).toEqual([[expect.any(String), 'business_error']]);
  });

  it("azure: a Responses caller's stream, passed through, ends with the API's context_length_exceeded", async () => {
    const r = await responses('azure', true);
    expect(r.text).toMatch(/"code":"context_length_exceeded"/);
    expect(outcomes()).toEqual([['az/gpt-4o', 'business_error']]);
  });

  it("bedrock: a validationException saying so in a stream, before its first event, is the Chat caller's 400", async () => {
    br.queueFault({ kind: 'exception', afterEvents: 0, type: 'validationException', message: BEDROCK_TOO_LONG });
    const r = await post('/v1/chat/completions', {
      model: 'bedrock-nova',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.status, r.text).toBe(400);
    expect(JSON.parse(r.text).error).toMatchObject({ ...TOO_LONG, message: BEDROCK_TOO_LONG });
    expect(outcomes()).toEqual([[`br/${NOVA}`, 'business_error']]);
  });

  it("bedrock: one after the first event ends a Messages caller's stream with its too-long error event", async () => {
    br.queueFault({ kind: 'exception', afterEvents: 1, type: 'validationException', message: BEDROCK_TOO_LONG });
    const r = await post('/v1/messages', {
      model: 'bedrock-claude',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.text).toMatch(/^event: message_start$/m);
    const last = r.text.trim().split('\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length))).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: `prompt is too long: ${BEDROCK_TOO_LONG}` },
    });
    expect(outcomes()).toEqual([[`br/${CLAUDE_BEDROCK}`, 'business_error']]);
  });
});
