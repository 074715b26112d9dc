/**
 * Anthropic Messages as today's clients send it, through the gateway to strict mocks: system entries
 * inside messages (kept at their place for other upstreams), per-turn effort, betas the target does
 * not take (dropped with their fields), `?beta=true`, server tools and mcp_servers (kept on Anthropic targets, else left out unless required),
 * documents, count_tokens per target (native or a flagged estimate), and output limits fitted to the
 * target for Anthropic and OpenAI callers alike (a config switch turns it off, per alias too).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const ANT_KEY = 'sk-ant-upstream-today-0123';
const OAI_KEY = 'sk-oai-upstream-today-0123';
const GEM_KEY = 'AIza-upstream-today-0123';
let ant: MockAnthropic;
let oai: MockOpenAI;
let gem: MockGemini;
let gw: RunningGateway;
let client: Anthropic;

beforeAll(async () => {
  ant = await startMockAnthropic({ name: 'ant', apiKey: ANT_KEY });
  oai = await startMockOpenAI({ name: 'oai', apiKey: OAI_KEY });
  gem = await startMockGemini({ name: 'gem', apiKey: GEM_KEY });
  gw = await startGateway({
    plugins: { 'circuit-breaker': false, 'load-balancer': false },
    providers: [
      {
        name: 'ant',
        type: 'anthropic',
        baseUrl: ant.baseUrl,
        apiKey: ANT_KEY,
        models: ['claude-sonnet-4-5', 'claude-opus-5-5', 'claude-3-5-haiku'],
      },
      // An Anthropic-compatible upstream that takes none of the experimental betas.
      {
        name: 'strict',
        type: 'anthropic',
        baseUrl: ant.baseUrl,
        apiKey: ANT_KEY,
        models: ['claude-opus-5-5'],
        refusedBetas: ['context-management-*', 'per-turn-control-*', 'advanced-tool-use-*'],
      },
      { name: 'oai', type: 'openai', baseUrl: oai.baseUrl, apiKey: OAI_KEY, models: ['gpt-4o-mini'] },
      { name: 'gem', type: 'gemini', baseUrl: gem.origin, apiKey: GEM_KEY, models: ['gemini-2.5-flash'] },
    ],
    models: [
      { name: 'small-claude', targets: ['ant/claude-3-5-haiku'] },
      { name: 'to-openai', targets: ['oai/gpt-4o-mini'] },
      { name: 'to-gemini', targets: ['gem/gemini-2.5-flash'] },
      { name: 'unfitted', targets: ['oai/gpt-4o-mini'], routing: { fitOutputTokens: false } },
      { name: 'mixed', targets: ['oai/gpt-4o-mini', 'ant/claude-sonnet-4-5'] },
    ],
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterEach(() => {
  ant.reset();
  oai.reset();
  gem.reset();
});

afterAll(async () => {
  await gw.close();
  await Promise.all([ant.close(), oai.close(), gem.close()]);
});

const antCalls = () => ant.requests.filter((r) => r.path.startsWith('/v1/messages'));
const oaiCalls = () => oai.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));
const gemCalls = () => gem.requests.filter((r) => /GenerateContent/i.test(r.path));

/** A Claude Code–shaped body: a system entry with per-turn effort after the first user turn, adaptive thinking, context_management, a deferred tool. */
const claudeCodeBody = (model: string): Record<string, unknown> => ({
  model,
  max_tokens: 128000,
  stream: false,
  system: [{ type: 'text', text: 'You are an agent.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Say hello' }] },
    { role: 'system', content: 'Environment: linux', output_config: { effort: 'high' } },
  ],
  tools: [
    {
      name: 'Read',
      description: 'Reads a file',
      input_schema: { type: 'object', properties: { file_path: { type: 'string' } } },
    },
    {
      name: 'Later',
      description: 'Loaded on demand',
      input_schema: { type: 'object', properties: {} },
      defer_loading: true,
    },
  ],
  thinking: { type: 'adaptive', display: 'omitted' },
  output_config: { effort: 'medium' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  metadata: { user_id: '{"session_id":"s-1"}' },
});
const BETAS =
  'claude-code-20250219,context-management-2025-06-27,per-turn-control-2026-07-01,advanced-tool-use-2025-11-20,effort-2025-11-24';

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'caller-key',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('system entries, per-turn effort and betas', () => {
  it('to Anthropic: passes through with ?beta=true and every beta; nothing dropped', async () => {
    const res = await post('/v1/messages?beta=true', claudeCodeBody('claude-opus-5-5'), { 'anthropic-beta': BETAS });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-warnings')).toBeNull();
    const [call] = antCalls();
    expect(call!.path).toBe('/v1/messages?beta=true');
    expect(call!.headers['anthropic-beta']).toBe(BETAS);
    expect(call!.body).toEqual(claudeCodeBody('claude-opus-5-5'));
  });

  it('to an upstream refusing some betas: they are dropped with their fields, in one request', async () => {
    const res = await post('/v1/messages?beta=true', claudeCodeBody('strict/claude-opus-5-5'), {
      'anthropic-beta': BETAS,
    });
    expect(res.status).toBe(200);
    const [call] = antCalls();
    expect(antCalls()).toHaveLength(1);
    expect(call!.headers['anthropic-beta']).toBe('claude-code-20250219,effort-2025-11-24');
    expect(call!.body.context_management).toBeUndefined();
    expect(call!.body.messages[1]).toEqual({ role: 'system', content: 'Environment: linux' });
    expect(call!.body.tools[1]).toEqual({
      name: 'Later',
      description: 'Loaded on demand',
      input_schema: { type: 'object', properties: {} },
    });
    const warnings = res.headers.get('x-switchyard-warnings')!;
    expect(warnings).toContain('anthropic-beta context-management-2025-06-27 dropped (strict does not take it)');
    expect(warnings).toContain('context_management dropped with anthropic-beta context-management-2025-06-27');
    expect(warnings).toContain(
      'output_config of system entries in messages dropped with anthropic-beta per-turn-control-2026-07-01',
    );
  });

  it('the upstream would refuse those fields without their betas: what dropping them avoids', async () => {
    const res = await fetch(`${ant.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'x-api-key': ANT_KEY,
        'anthropic-beta': 'claude-code-20250219',
      },
      body: JSON.stringify(claudeCodeBody('claude-opus-5-5')),
    });
    expect(res.status).toBe(400);
  });

  it("to OpenAI: the system entry keeps its place, its effort is the answer's, the rest is named", async () => {
    const res = await post(
      '/v1/messages?beta=true',
      { ...claudeCodeBody('to-openai'), thinking: { type: 'enabled', budget_tokens: 2000 } },
      { 'anthropic-beta': BETAS },
    );
    expect(res.status).toBe(200);
    const [call] = oaiCalls();
    expect(call!.path).toBe('/v1/chat/completions');
    expect(call!.body.messages).toEqual([
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: 'Say hello' },
      { role: 'system', content: 'Environment: linux' },
    ]);
    expect(call!.body.max_tokens).toBe(16384);
    expect(call!.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['Read', 'Later']);
    expect(call!.body.user).toBe('{"session_id":"s-1"}');
    const warnings = res.headers.get('x-switchyard-warnings')!;
    expect(warnings).toContain('max_tokens 128000 lowered to 16384, the most the target model allows');
    expect(warnings).toContain('context_management dropped (no equivalent upstream)');
    expect(warnings).toContain('tools[].defer_loading dropped (deferred tools are offered up front)');
    // gpt-4o-mini does not reason: the effort the system entry set (high, over medium) is dropped, and said so.
    expect(warnings).toContain('reasoning_effort high dropped (gpt-4o-mini does not reason)');
  });

  it('to Gemini: a later system entry becomes user text at its place, its effort the thinking budget; leading system text is the systemInstruction', async () => {
    const body = {
      ...claudeCodeBody('to-gemini'),
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'system', content: 'Now be terse.', output_config: { effort: 'high' } },
        { role: 'user', content: 'second' },
      ],
    };
    const res = await post('/v1/messages', body);
    expect(res.status).toBe(200);
    const [call] = gemCalls();
    expect(call!.body.systemInstruction).toEqual({ parts: [{ text: 'You are an agent.' }] });
    expect(call!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'first' }] },
      { role: 'model', parts: [{ text: 'ok' }] },
      { role: 'user', parts: [{ text: 'Now be terse.' }, { text: 'second' }] },
    ]);
    expect(call!.body.generationConfig).toMatchObject({
      maxOutputTokens: 65536,
      thinkingConfig: { thinkingBudget: 24576 },
    });
  });
});

describe('server tools and mcp_servers', () => {
  const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };

  it('pass through to Anthropic', async () => {
    const res = await post('/v1/messages', {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'news?' }],
      tools: [webSearch],
    });
    expect(res.status).toBe(200);
    expect(antCalls()[0]!.body.tools).toEqual([webSearch]);
  });

  const readTool = { name: 'Read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } };

  it('keep a mixed alias on its Anthropic target', async () => {
    const { response } = await client.messages
      .create({
        model: 'mixed',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'news?' }],
        tools: [webSearch],
      } as never)
      .withResponse();
    expect(response.headers.get('x-switchyard-target')).toBe('ant/claude-sonnet-4-5');
    expect(antCalls()[0]!.body.tools).toEqual([webSearch]);
    expect(oaiCalls()).toEqual([]);
  });

  it('are left out, each named in a warning, for a model with no Anthropic target', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'to-openai',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'news?' }],
        tools: [webSearch, readTool],
      } as never)
      .withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text' });
    // The web search becomes web_search_options, which gpt-4o-mini (no search model) refuses: dropped, named.
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'web search dropped (gpt-4o-mini does not search through Chat Completions; its search models do)',
    );
    expect(oaiCalls()[0]!.body.web_search_options).toBeUndefined();
    expect(oaiCalls()[0]!.body.tools).toEqual([
      { type: 'function', function: { name: 'Read', parameters: readTool.input_schema } },
    ]);

    const mcp = await post(
      '/v1/messages',
      {
        model: 'to-gemini',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'x' }],
        mcp_servers: [{ type: 'url', url: 'https://mcp.example/sse', name: 'm' }],
      },
      { 'anthropic-beta': 'mcp-client-2025-11-20' },
    );
    expect(mcp.status, await mcp.clone().text()).toBe(200);
    expect(mcp.headers.get('x-switchyard-warnings')).toContain('mcp_servers');
    expect(JSON.stringify(gemCalls()[0]!.body)).not.toContain('mcp.example');
    expect(antCalls()).toEqual([]);
  });

  it('are refused clearly when tool_choice requires one and no target is Anthropic', async () => {
    const forced = await client.messages
      .create({
        model: 'to-openai',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'news?' }],
        tools: [webSearch, readTool],
        tool_choice: { type: 'tool', name: 'web_search' },
      } as never)
      .catch((e: unknown) => e);
    expect(forced).toBeInstanceOf(Anthropic.BadRequestError);
    expect((forced as Anthropic.APIError).message).toContain(
      'tool_choice requires web_search, which is not a custom tool: server tool web_search (web_search_20250305) run only on Anthropic upstreams',
    );
    const anyOfServerTools = await post('/v1/messages', {
      model: 'to-gemini',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'news?' }],
      tools: [webSearch],
      tool_choice: { type: 'any' },
    });
    expect(anyOfServerTools.status).toBe(400);
    expect(await anyOfServerTools.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('tool_choice any') },
    });
    // A custom tool named by tool_choice needs nothing Anthropic-only: served without the server tool.
    const custom = await post('/v1/messages', {
      model: 'to-openai',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'read it' }],
      tools: [webSearch, readTool],
      tool_choice: { type: 'tool', name: 'Read' },
    });
    expect(custom.status, await custom.clone().text()).toBe(200);
    expect(oaiCalls()).toHaveLength(1);
    expect(gemCalls()).toEqual([]);
  });
});

describe('documents and citations', () => {
  const pdf = {
    type: 'document',
    source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' },
    title: 'report.pdf',
    citations: { enabled: true },
  };
  const text = {
    type: 'document',
    source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' },
    title: 'Facts',
  };

  it('pass through to Anthropic untouched', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: [pdf, text, { type: 'text', text: 'Summarize' }] }],
    };
    expect((await post('/v1/messages', body)).status).toBe(200);
    expect(antCalls()[0]!.body).toEqual(body);
  });

  it('become file and text parts for OpenAI; citations cannot be asked for there', async () => {
    const res = await post('/v1/messages', {
      model: 'to-openai',
      max_tokens: 100,
      messages: [{ role: 'user', content: [pdf, text, { type: 'text', text: 'Summarize' }] }],
    });
    expect(res.status).toBe(200);
    expect(oaiCalls()[0]!.body.messages[0].content).toEqual([
      { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
      { type: 'text', text: 'Facts\n\nThe sky is blue.' },
      { type: 'text', text: 'Summarize' },
    ]);
    expect(res.headers.get('x-switchyard-warnings')).toContain(
      'citations dropped (only Anthropic upstreams cite documents)',
    );
  });
});

describe('count_tokens per target', () => {
  it('is counted by an Anthropic target itself, with its betas and ?beta=true', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'count me' },
        { role: 'system', content: 'Later instructions' },
      ],
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
    };
    const res = await post('/v1/messages/count_tokens?beta=true', body, {
      'anthropic-beta': 'token-counting-2024-11-01',
    });
    expect(res.status).toBe(200);
    const counted = (await res.json()) as { input_tokens: number };
    expect(res.headers.get('x-switchyard-warnings')).toBeNull();
    expect(res.headers.get('x-switchyard-target')).toBe('ant/claude-sonnet-4-5');
    const [call] = ant.requests;
    expect(call!.path).toBe('/v1/messages/count_tokens?beta=true');
    expect(call!.headers['anthropic-beta']).toBe('token-counting-2024-11-01');
    expect(call!.headers['x-api-key']).toBe(ANT_KEY);
    expect(call!.body).toEqual(body);
    // The mock counts characters / 4 over system, messages and tools, as the number it answered.
    expect(counted.input_tokens).toBe(
      Math.ceil((JSON.stringify('') + JSON.stringify(body.messages) + JSON.stringify(body.tools)).length / 4),
    );
  });

  it('is estimated by the gateway, and flagged, when the target cannot count', async () => {
    const { data, response } = await client.messages
      .countTokens({ model: 'to-openai', messages: [{ role: 'user', content: 'a'.repeat(400) }] })
      .withResponse();
    expect(data.input_tokens).toBe(103);
    expect(response.headers.get('x-switchyard-warnings')).toMatch(/^input_tokens estimated by the gateway/);
    expect(ant.requests).toEqual([]);
    expect(oai.requests).toEqual([]);
  });

  it('answers 404 for a model the gateway does not serve, in Anthropic shape', async () => {
    const err = await client.messages
      .countTokens({ model: 'nope-1', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe('output limits fitted to the target', () => {
  it('an Anthropic caller through an alias to a smaller Claude: max_tokens fitted, the thinking budget kept below it', async () => {
    const res = await post('/v1/messages', {
      model: 'small-claude',
      max_tokens: 64000,
      thinking: { type: 'enabled', budget_tokens: 31999 },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(200);
    expect(antCalls()[0]!.body).toMatchObject({
      model: 'claude-3-5-haiku',
      max_tokens: 8192,
      thinking: { type: 'enabled', budget_tokens: 8191 },
    });
    const warnings = res.headers.get('x-switchyard-warnings')!;
    expect(warnings).toContain('max_tokens 64000 lowered to 8192, the most the target model allows');
    expect(warnings).toContain('thinking.budget_tokens 31999 lowered to 8191 to stay below max_tokens');
  });

  it('an OpenAI caller through an alias: max_tokens and max_completion_tokens fitted', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
    const { response } = await openai.chat.completions
      .create({ model: 'to-openai', max_completion_tokens: 100000, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(oaiCalls()[0]!.body.max_completion_tokens).toBe(16384);
    expect(response.headers.get('x-switchyard-warnings')).toContain('max_completion_tokens 100000 lowered to 16384');
    await openai.chat.completions.create({
      model: 'to-gemini',
      max_tokens: 100000,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(gemCalls()[0]!.body.generationConfig.maxOutputTokens).toBe(65536);
    await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100000,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(antCalls()[0]!.body.max_tokens).toBe(64000);
  });

  it('off for an alias (routing.fitOutputTokens: false): the upstream refuses, and the caller gets its 400', async () => {
    const res = await post('/v1/messages', {
      model: 'unfitted',
      max_tokens: 64000,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'max_tokens is too large: 64000',
    );
    expect(oaiCalls().map((c) => [c.body.max_tokens, c.status])).toEqual([[64000, 400]]);
  });
});

describe('the switch in config', () => {
  it('routing.fitOutputTokens: false leaves every request as asked', async () => {
    const off = await startGateway({
      routing: { fitOutputTokens: false },
      providers: [{ name: 'oai', type: 'openai', baseUrl: oai.baseUrl, apiKey: OAI_KEY, models: ['gpt-4o-mini'] }],
    });
    try {
      const res = await fetch(`${off.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 20000, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(400);
      expect(oaiCalls().map((c) => c.body.max_tokens)).toEqual([20000]);
    } finally {
      await off.close();
    }
  });
});
