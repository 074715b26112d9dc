import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { searchResultUrl } from '../support/mock-openai-responses.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/**
 * Anthropic's web search server tool (Claude Code's WebSearch) served by an OpenAI upstream whose
 * model searches only through the Responses API: the request goes there with the hosted
 * `web_search` tool (sources asked for), and the answer's `web_search_call` and cited page come
 * back as Anthropic's server_tool_use + web_search_tool_result blocks, the search counted in
 * usage.server_tool_use. An instance serving Chat Completions only cannot search: the search is
 * dropped with a warning, as before.
 */
let openai: MockOpenAI;
let chatOnly: MockOpenAI;
let gw: RunningGateway;
let client: Anthropic;
const KEY = 'fake-openai-upstream-key';
const QUERY = 'Perform a web search for the query: switchyard gateway release';
const webSearch = {
  type: 'web_search_20250305',
  name: 'web_search',
  max_uses: 8,
  user_location: { type: 'approximate', city: 'Paris', country: 'FR' },
} as const;
const readTool: Anthropic.Tool = {
  name: 'Read',
  input_schema: { type: 'object', properties: { path: { type: 'string' } } },
};

const searchRequest = (model: string, stream: boolean) =>
  ({
    model,
    max_tokens: 1024,
    stream,
    system: [{ type: 'text', text: 'You are an assistant for performing a web search tool use' }],
    messages: [{ role: 'user', content: QUERY }],
    tools: [webSearch, readTool],
  }) as const;

const searchBlocks = [
  { type: 'server_tool_use', id: expect.stringMatching(/^srvtoolu_/), name: 'web_search', input: { query: QUERY } },
  {
    type: 'web_search_tool_result',
    tool_use_id: expect.stringMatching(/^srvtoolu_/),
    content: [
      {
        type: 'web_search_result',
        url: searchResultUrl(QUERY),
        title: `Results for ${QUERY}`,
        encrypted_content: '',
        page_age: null,
      },
    ],
  },
];

/** The answer's text, which the mock's Responses answer cites whole (a url_citation of the search's page): as Anthropic cites a search result. */
const citedText = {
  type: 'text',
  text: `o: ${QUERY}`,
  citations: [
    {
      type: 'web_search_result_location',
      url: searchResultUrl(QUERY),
      title: `Results for ${QUERY}`,
      cited_text: `o: ${QUERY}`,
      encrypted_index: '',
    },
  ],
};

beforeAll(async () => {
  openai = await startMockOpenAI({ name: 'o', apiKey: KEY });
  chatOnly = await startMockOpenAI({ name: 'c', apiKey: KEY, chatOnly: true });
  gw = await startGateway({
    providers: [
      { name: 'o', type: 'openai', baseUrl: openai.baseUrl, apiKey: KEY, responsesApi: true, models: ['gpt-4o-mini'] },
      { name: 'c', type: 'openai', baseUrl: chatOnly.baseUrl, apiKey: KEY, models: ['gpt-4o'] },
    ],
    models: [
      { name: 'searching', targets: ['o/gpt-4o-mini'] },
      { name: 'chat-only', targets: ['c/gpt-4o'] },
    ],
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await Promise.all([openai.close(), chatOnly.close()]);
});

const lastResponses = () => openai.requests.filter((r) => r.path === '/v1/responses').at(-1)!;

describe('Anthropic web search → OpenAI Responses hosted web_search', () => {
  it('searches over the Responses API and answers with the search blocks, the text citing the page and the search counted', async () => {
    const { data, response } = await client.messages.create(searchRequest('searching', false) as never).withResponse();
    const msg = data as Anthropic.Message;
    const sent = lastResponses().body;
    expect(sent.tools).toEqual([
      expect.objectContaining({ type: 'function', name: 'Read' }),
      { type: 'web_search', user_location: { type: 'approximate', city: 'Paris', country: 'FR' } },
    ]);
    expect(sent.include).toEqual(['web_search_call.action.sources']);
    // The tool's max_uses, as the limit of the built-in tool calls (the search the only one).
    expect(sent.max_tool_calls).toBe(8);
    expect(sent.store).toBe(false);
    expect(sent.input.at(-1)).toEqual({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: QUERY }],
    });
    expect(lastResponses().status).toBe(200);
    expect(msg.content.slice(0, 2)).toEqual(searchBlocks);
    expect(msg.content[2]).toEqual(citedText);
    expect(msg.usage.server_tool_use).toEqual({ web_search_requests: 1 });
    expect(response.headers.get('x-switchyard-warnings') ?? '').not.toContain('max_uses');
  });

  it('streams the search blocks before the text citing the page, and counts the search in the final usage', async () => {
    const stream = client.messages.stream(searchRequest('searching', true) as never);
    const starts: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_start') starts.push(event.content_block.type);
    });
    const msg = await stream.finalMessage();
    expect(lastResponses().body.stream).toBe(true);
    expect(msg.content.find((b) => b.type === 'text')).toEqual(citedText);
    // Streamed, the search is passed on as it finishes: its page's title (which only the text's citation gives) is its URL.
    const url = searchResultUrl(QUERY);
    expect(msg.content.filter((b) => b.type !== 'text')).toEqual([
      searchBlocks[0],
      { ...searchBlocks[1], content: [{ ...searchBlocks[1]!.content[0], title: url }] },
    ]);
    // As the API streams them: the search first, then the text it grounds.
    expect(starts).toEqual(['server_tool_use', 'web_search_tool_result', 'text']);
    expect(msg.usage.server_tool_use).toEqual({ web_search_requests: 1 });
  });

  it('a tool round trip after the search goes over the Responses API too (function call and output carried)', async () => {
    const msg = (await client.messages.create({
      model: 'searching',
      max_tokens: 200,
      messages: [
        { role: 'user', content: 'read notes.txt then search' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'notes.txt' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'the notes' }] },
      ],
      tools: [webSearch, readTool],
    } as never)) as Anthropic.Message;
    expect(lastResponses().status).toBe(200);
    expect(lastResponses().body.input.slice(-2)).toEqual([
      { type: 'function_call', call_id: 'toolu_1', name: 'Read', arguments: '{"path":"notes.txt"}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: 'the notes' },
    ]);
    expect(msg.content.at(-1)).toEqual({ type: 'text', text: 'o: the notes' });
  });

  it('an instance serving Chat Completions only drops the search (its model takes no web_search_options)', async () => {
    const { data, response } = await client.messages.create(searchRequest('chat-only', false) as never).withResponse();
    expect(chatOnly.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(chatOnly.requests.at(-1)!.body.web_search_options).toBeUndefined();
    expect((data as Anthropic.Message).content.some((b) => b.type === 'server_tool_use')).toBe(false);
    expect(response.headers.get('x-switchyard-warnings')).toContain('web search dropped');
  });
});
