import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockSearchUri, startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { geminiProvider } from '../support/gemini.js';
import { startGateway } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, budgeted, k } from '../support/rule-probes-5.js';
import type { RunningGateway } from '../support/gateway.js';

/**
 * Anthropic's web search server tool (Claude Code's WebSearch) served by a Gemini upstream:
 * grounding with Google Search, answered as Anthropic's server_tool_use + web_search_tool_result
 * blocks and counted in usage.server_tool_use. The request is the shape Claude Code's WebSearch
 * tool sends: its own system prompt, the query in a user turn, the tool alone with max_uses 8.
 */
let g: MockGemini;
let gw: RunningGateway;
let client: Anthropic;
const KEY = 'fake-gemini-upstream-key';
const MODEL = 'gemini-2.5-flash';
const QUERY = 'Perform a web search for the query: switchyard gateway release';
const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 8 } as const;
const readTool: Anthropic.Tool = {
  name: 'Read',
  input_schema: { type: 'object', properties: { path: { type: 'string' } } },
};

const searchRequest = (stream: boolean) =>
  ({
    model: MODEL,
    max_tokens: 1024,
    stream,
    system: [{ type: 'text', text: 'You are an assistant for performing a web search tool use' }],
    messages: [{ role: 'user', content: QUERY }],
    tools: [webSearch],
  }) as const;

/** The blocks an answer that searched opens with, as Anthropic gives them. */
const searchBlocks = [
  { type: 'server_tool_use', id: expect.stringMatching(/^srvtoolu_/), name: 'web_search', input: { query: QUERY } },
  {
    type: 'web_search_tool_result',
    tool_use_id: expect.stringMatching(/^srvtoolu_/),
    content: [
      {
        type: 'web_search_result',
        url: mockSearchUri(QUERY),
        title: 'example.com',
        encrypted_content: '',
        page_age: null,
      },
      {
        type: 'web_search_result',
        url: mockSearchUri(`${QUERY} 2`),
        title: 'example.org',
        encrypted_content: '',
        page_age: null,
      },
    ],
  },
];

/** The answer's text, which the mock's grounding supports by its first page: cited as Anthropic cites a search result. */
const citedText = {
  type: 'text',
  text: `g: ${QUERY}`,
  citations: [
    {
      type: 'web_search_result_location',
      url: mockSearchUri(QUERY),
      title: 'example.com',
      cited_text: `g: ${QUERY}`,
      encrypted_index: '',
    },
  ],
};

beforeAll(async () => {
  g = await startMockGemini({ name: 'g', apiKey: KEY });
  gw = await startGateway({ providers: [geminiProvider('g', g.origin, { apiKey: KEY, models: [MODEL] })] });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await g.close();
});

const lastGenerate = () =>
  g.requests.filter((r) => r.path.includes('generateContent') || r.path.includes('streamGenerateContent')).at(-1)!;

describe('Anthropic web search → Gemini grounding with Google Search', () => {
  it('searches, and answers with the search blocks, the text citing the page and the search counted', async () => {
    const { data, response } = await client.messages.create(searchRequest(false) as never).withResponse();
    const msg = data as Anthropic.Message;
    expect(lastGenerate().body.tools).toEqual([{ googleSearch: {} }]);
    expect(msg.content.slice(0, 2)).toEqual(searchBlocks);
    expect((msg.content[0] as { id: string }).id).toBe((msg.content[1] as { tool_use_id: string }).tool_use_id);
    expect(msg.content[2]).toEqual(citedText);
    expect(msg.content).toHaveLength(3);
    expect(msg.usage.server_tool_use).toEqual({ web_search_requests: 1 });
    expect(response.headers.get('x-switchyard-warnings')).toContain('web search limit (8) has no Gemini equivalent');
  });

  it('streams the search blocks as Anthropic does, the text citing the page, and counts the search in the final usage', async () => {
    const stream = client.messages.stream(searchRequest(true) as never);
    const starts: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_start') starts.push(event.content_block.type);
    });
    const msg = await stream.finalMessage();
    expect(lastGenerate().path).toContain('streamGenerateContent');
    expect(lastGenerate().body.tools).toEqual([{ googleSearch: {} }]);
    expect(msg.content.find((b) => b.type === 'text')).toEqual(citedText);
    expect(msg.content.filter((b) => b.type !== 'text')).toEqual(searchBlocks);
    expect(starts).toContain('server_tool_use');
    expect(starts).toContain('web_search_tool_result');
    expect(msg.usage.server_tool_use).toEqual({ web_search_requests: 1 });
  });

  it("keeps the caller's own tools over the search when both are offered (Gemini refuses the two together)", async () => {
    const { data, response } = await client.messages
      .create({
        model: MODEL,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'news?' }],
        tools: [webSearch, readTool],
      } as never)
      .withResponse();
    expect((data as Anthropic.Message).content[0]).toMatchObject({ type: 'text' });
    expect(lastGenerate().body.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'Read' })] }]);
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'web search dropped (Gemini takes no Google Search beside function declarations)',
    );
  });

  it('sends an earlier search back as text of its turn (query, titles and URLs)', async () => {
    const first = await client.messages.create(searchRequest(false) as never);
    await client.messages.create({
      model: MODEL,
      max_tokens: 200,
      messages: [
        { role: 'user', content: QUERY },
        { role: 'assistant', content: (first as Anthropic.Message).content },
        { role: 'user', content: 'and the second page?' },
      ],
      tools: [webSearch],
    } as never);
    const model = lastGenerate().body.contents[1];
    expect(model.role).toBe('model');
    const text = model.parts.map((p: { text: string }) => p.text).join('');
    expect(text).toContain(`(searched the web for: ${QUERY})`);
    expect(text).toContain(`- example.org: ${mockSearchUri(`${QUERY} 2`)}`);
    expect(text).toContain(`g: ${QUERY}`);
  });
});

describe('a budgeted key searching through Gemini', () => {
  const ask = (url: string, key: string, model: string) =>
    call(`${url}/v1/messages`, key, { ...searchRequest(false), model, max_tokens: 200 });

  it('is charged the grounded prompt at the catalog price ($35 per 1,000) beside its tokens', async () => {
    const { gw, finished } = await budgeted({
      keys: [{ name: 'gs', key: k('gs'), budget: { usd: 1, period: 'day' } }],
      providers: [geminiProvider('g', g.origin, { apiKey: KEY, models: [MODEL] })],
    });
    try {
      const res = await ask(gw.url, k('gs'), MODEL);
      expect(res.status, res.text).toBe(200);
      expect(res.json.usage.server_tool_use).toEqual({ web_search_requests: 1 });
      await finished.next();
      // gemini-2.5-flash: $0.30 / $2.50 per 1M tokens, $35 per 1,000 grounded prompts.
      const tokens = (res.json.usage.input_tokens * 0.3 + res.json.usage.output_tokens * 2.5) / 1e6;
      expect((await budgetOf(gw.url, ADMIN, 'gs')).spentUsd).toBeCloseTo(tokens + 0.035, 12);
    } finally {
      await gw.close();
    }
  });

  it('with unpriced: deny, is refused the search on a model whose catalog has no search price', async () => {
    const { gw } = await budgeted({
      keys: [{ name: 'gn', key: k('gn'), budget: { usd: 1, period: 'day' } }],
      catalog: { 'gemini-custom': { pricing: { input: 1, output: 1 } } },
      providers: [geminiProvider('g', g.origin, { apiKey: KEY, models: ['gemini-custom'] })],
    });
    const before = g.requests.length;
    try {
      const res = await ask(gw.url, k('gn'), 'gemini-custom');
      expect(res.status, res.text).toBe(400);
      expect(res.json.error.message).toContain('no web search price known for g/gemini-custom');
      expect(g.requests.length).toBe(before);
    } finally {
      await gw.close();
    }
  });
});
