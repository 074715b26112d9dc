/**
 * The real Claude Code CLI (unmodified, offline) using its WebSearch tool through the gateway to a
 * Gemini upstream and to an OpenAI one: the model (scripted at the mock) calls WebSearch; Claude Code's tool sends its
 * own request offering Anthropic's `web_search_20250305` server tool, which the gateway serves with
 * Gemini's grounding with Google Search, answered as `server_tool_use` + `web_search_tool_result`
 * blocks; the tool's result (the links it read from those blocks) goes back to the model, whose
 * answer quotes it. Before Gemini could search, the tool came back with no links. OpenAI's
 * `gpt-4o-mini` searches only through the Responses API's hosted `web_search` tool: the tool's
 * request goes there, its `web_search_call` and cited page read back as the same blocks (over
 * Chat Completions, where the model takes no `web_search_options`, the search was dropped).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { searchResultUrl } from '../support/mock-openai-responses.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'sk-caller-claude-code';
const GEM_KEY = 'fake-gemini-upstream-key-search';
const OPENAI_KEY = 'fake-openai-upstream-key-search';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
const QUERY = 'switchyard gateway latest release';

let gemini: MockGemini;
let proxy: DenyProxy;
let gw: RunningGateway;
let openai: MockOpenAI;
let gwOpenAI: RunningGateway;

beforeAll(async () => {
  gemini = await startMockGemini({ apiKey: GEM_KEY, name: 'gemini' });
  proxy = await startDenyProxy();
  openai = await startMockOpenAI({ apiKey: OPENAI_KEY, name: 'openai' });
  gwOpenAI = await startGateway({
    providers: [
      {
        name: 'openai',
        type: 'openai',
        baseUrl: openai.baseUrl,
        apiKey: OPENAI_KEY,
        responsesApi: true,
        models: ['gpt-4o-mini'],
      },
    ],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['openai/gpt-4o-mini'] })),
    plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
  });
  gw = await startGateway({
    providers: [
      { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: GEM_KEY, models: ['gemini-2.5-flash'] },
    ],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['gemini/gemini-2.5-flash'] })),
    plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
  });
});

afterAll(async () => {
  await Promise.all([gw.close(), gwOpenAI.close()]);
  await Promise.all([gemini.close(), openai.close(), proxy.close()]);
});

const generates = () => gemini.requests.filter((r) => /:(stream)?[gG]enerateContent/.test(r.path));

/** Claude Code asked to search the web for QUERY through the gateway at `url`: run to its end, offline and without error. */
async function searchThrough(url: string): Promise<Awaited<ReturnType<typeof runClaudeCode>>> {
  const result = await runClaudeCode({
    baseUrl: url,
    apiKey: CALLER_KEY,
    prompt: `Search the web for "${QUERY}" and tell me what you find.`,
    tools: ['WebSearch'],
    allowedTools: ['WebSearch'],
    extraEnv: proxy.env(),
    timeoutMs: CLIENT_HUNG_MS,
  });
  expect(result.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(result.exitCode, `${result.stderr}\n${result.stdout.slice(-2000)}`).toBe(0);
  return result;
}

it('WebSearch through Gemini: the answer carries the page the search found', { timeout: TEST_MS }, async () => {
  // The model asks for WebSearch (offered as a function); after its result, the mock's own answer
  // quotes the function response. The WebSearch tool's own request (Google Search) gets the default answer.
  gemini.setAnswerer((body) => {
    const offersWebSearch = (body.tools ?? []).some((t: any) =>
      (t.functionDeclarations ?? []).some((f: any) => f.name === 'WebSearch'),
    );
    if (!offersWebSearch || body.contents.at(-1).parts.some((p: any) => p.functionResponse)) return undefined;
    return { functionCalls: [{ name: 'WebSearch', args: { query: QUERY } }] };
  });
  const result = await searchThrough(gw.url);
  const searched = generates().filter((r) => (r.body.tools ?? []).some((t: any) => t.googleSearch));
  expect(searched.length).toBeGreaterThanOrEqual(1);
  const query = searched[0]!.body.contents
    .at(-1)
    .parts.map((p: any) => p.text ?? '')
    .join('');
  expect(query).toContain(QUERY);
  const call = result.toolCalls.find((c) => c.name === 'WebSearch');
  expect(call).toMatchObject({ input: { query: QUERY }, isError: false });
  expect(call!.result).toContain('https://vertexaisearch.cloud.google.com/grounding-api-redirect/');
  expect(result.text).toContain('https://vertexaisearch.cloud.google.com/grounding-api-redirect/');
});

it(
  'WebSearch through OpenAI: the search runs over the Responses API and the answer carries the page it found',
  { timeout: TEST_MS },
  async () => {
    // The model (over Chat Completions) asks for WebSearch; after its result, its answer quotes it.
    // The WebSearch tool's own request (no functions) gets the default answer: a search.
    openai.setAnswerer((body) => {
      const offersWebSearch = (body.tools ?? []).some((t: any) => t.function?.name === 'WebSearch');
      const last = body.messages?.at(-1);
      if (!offersWebSearch) return undefined;
      if (last?.role !== 'tool') return { toolCalls: [{ name: 'WebSearch', arguments: { query: QUERY } }] };
      const found = typeof last.content === 'string' ? last.content : last.content.map((p: any) => p.text).join('');
      return { text: `Found: ${found}` };
    });
    const result = await searchThrough(gwOpenAI.url);
    const searched = openai.requests.filter(
      (r) => r.path === '/v1/responses' && (r.body.tools ?? []).some((t: any) => t.type === 'web_search'),
    );
    expect(searched.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(searched[0]!.body.input)).toContain(QUERY);
    const call = result.toolCalls.find((c) => c.name === 'WebSearch');
    expect(call).toMatchObject({ input: { query: QUERY }, isError: false });
    const page = searchResultUrl(
      searched[0]!.body.input
        .at(-1)
        .content.map((p: any) => p.text)
        .join(''),
    );
    expect(call!.result).toContain(page);
    expect(result.text).toContain(page);
  },
);
