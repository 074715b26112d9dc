import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { mockSearchUri, startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

/**
 * A Responses caller's hosted web search (Codex with web search on) served by upstreams that
 * search their own way: Anthropic's web search server tool (beside the caller's functions) and
 * Gemini's Google Search (alone: Gemini refuses it beside functions). The searches they ran come
 * back as the Responses API reports its own: completed `web_search_call` items whose action is a
 * search for the query (the pages as `sources` when `include` asks), in answers and streams; the
 * pages the text cites (Anthropic's citations, Gemini's grounding supports) as the `url_citation`
 * annotations of its output_text.
 */
const UP = 'fake-upstream-key-search';
let anthropic: MockAnthropic;
let gemini: MockGemini;
let gw: RunningGateway;
let client: OpenAI;
const shell = {
  type: 'function' as const,
  name: 'shell',
  parameters: { type: 'object', properties: {} },
  strict: false,
};

beforeAll(async () => {
  anthropic = await startMockAnthropic({ name: 'anthropic', apiKey: UP });
  gemini = await startMockGemini({ name: 'gemini', apiKey: UP });
  gw = await startGateway({
    providers: [
      { name: 'an', type: 'anthropic', baseUrl: anthropic.origin, apiKey: UP, models: ['claude-sonnet-4-5'] },
      { name: 'ge', type: 'gemini', baseUrl: gemini.origin, apiKey: UP, models: ['gemini-2.5-flash'] },
    ],
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await Promise.all([anthropic.close(), gemini.close()]);
});

describe('Responses web_search on upstreams other than OpenAI', () => {
  it('Anthropic: becomes its web search server tool beside the functions, the user location kept', async () => {
    anthropic.queueAnswer({ webSearch: { query: 'switchyard release' }, text: 'found it' });
    const { data, response } = await client.responses
      .create({
        model: 'claude-sonnet-4-5',
        input: 'news about switchyard?',
        tools: [{ type: 'web_search', user_location: { type: 'approximate', city: 'Paris', country: 'FR' } }, shell],
      })
      .withResponse();
    expect(data.status).toBe('completed');
    expect(data.output_text).toContain('found it');
    const sent = anthropic.requests.filter((r) => r.path.startsWith('/v1/messages')).at(-1)!.body;
    expect(sent.tools).toEqual([
      expect.objectContaining({ name: 'shell' }),
      {
        type: 'web_search_20250305',
        name: 'web_search',
        user_location: { type: 'approximate', city: 'Paris', country: 'FR' },
      },
    ]);
    expect(response.headers.get('x-switchyard-warnings') ?? '').not.toContain('web_search tool dropped');
    expect(response.headers.get('x-switchyard-warnings') ?? '').not.toContain('server_tool_use');
    expect(data.output[0]).toEqual({
      id: expect.stringMatching(/^ws_/),
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'switchyard release' },
    });
  });

  it('Anthropic, streamed: the search is a web_search_call item with its events, its pages as sources when included', async () => {
    anthropic.queueAnswer({
      webSearch: {
        query: 'switchyard release',
        results: [{ title: 'Release notes', url: 'https://example.com/notes' }],
      },
      text: 'found it',
    });
    const stream = await client.responses.create({
      model: 'claude-sonnet-4-5',
      input: 'news about switchyard?',
      tools: [{ type: 'web_search' }, shell],
      include: ['web_search_call.action.sources'],
      stream: true,
    });
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    const searchItem = {
      id: expect.stringMatching(/^ws_/),
      type: 'web_search_call',
      status: 'completed',
      action: {
        type: 'search',
        query: 'switchyard release',
        sources: [{ type: 'url', url: 'https://example.com/notes' }],
      },
    };
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toContainEqual(searchItem);
    const phases = events.filter((e) => e.type.startsWith('response.web_search_call.')).map((e) => e.type);
    expect(phases).toEqual([
      'response.web_search_call.in_progress',
      'response.web_search_call.searching',
      'response.web_search_call.completed',
    ]);
    const completed = events.find((e) => e.type === 'response.completed').response;
    expect(completed.output).toContainEqual(searchItem);
    const cite = {
      type: 'url_citation',
      start_index: 0,
      end_index: 8,
      url: 'https://example.com/notes',
      title: 'Release notes',
    };
    const added = events.filter((e) => e.type === 'response.output_text.annotation.added');
    expect(added).toEqual([expect.objectContaining({ annotation_index: 0, content_index: 0, annotation: cite })]);
    const message = completed.output.find((item: any) => item.type === 'message');
    expect(added[0].item_id).toBe(message.id);
    // As the API streams them: the search item first, then the message it grounds.
    const addedItems = events.filter((e) => e.type === 'response.output_item.added').map((e) => e.item.type);
    expect(addedItems).toEqual(['web_search_call', 'message']);
    expect(message.content[0].annotations).toEqual([cite]);
  });

  it('Anthropic: the text citing a search result becomes a url_citation annotation of the output_text', async () => {
    anthropic.queueAnswer({ webSearch: { query: 'switchyard release' }, text: 'found it' });
    const data = await client.responses.create({
      model: 'claude-sonnet-4-5',
      input: 'news about switchyard?',
      tools: [{ type: 'web_search' }, shell],
    });
    const message = data.output.find((item) => item.type === 'message') as any;
    expect(message.content[0].annotations).toEqual([
      { type: 'url_citation', start_index: 0, end_index: 8, url: 'https://example.com/', title: 'Example Domain' },
    ]);
  });

  it('Gemini: grounds the answer with Google Search when no function is offered', async () => {
    const data = await client.responses.create({
      model: 'gemini-2.5-flash',
      input: 'news about switchyard?',
      tools: [{ type: 'web_search' }],
    });
    expect(data.status).toBe('completed');
    const sent = gemini.requests.filter((r) => r.path.includes('generateContent')).at(-1)!.body;
    expect(sent.tools).toEqual([{ googleSearch: {} }]);
    expect(data.output[0]).toMatchObject({
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'news about switchyard?' },
    });
    expect((data.output[0] as any).action.sources).toBeUndefined();
    const message = data.output.find((item) => item.type === 'message') as any;
    expect(message.content[0].annotations).toEqual([
      {
        type: 'url_citation',
        start_index: 0,
        end_index: message.content[0].text.length,
        url: mockSearchUri('news about switchyard?'),
        title: 'example.com',
      },
    ]);
  });

  it('Gemini, streamed: the grounding supports become annotations of the streamed text, multi-byte text counted in characters', async () => {
    const input = 'nouvelles de switchyard — été?';
    const stream = await client.responses.create({
      model: 'gemini-2.5-flash',
      input,
      tools: [{ type: 'web_search' }],
      stream: true,
    });
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    const completed = events.find((e) => e.type === 'response.completed').response;
    const message = completed.output.find((item: any) => item.type === 'message');
    const text: string = message.content[0].text;
    expect(text).toContain(input);
    const cite = {
      type: 'url_citation',
      start_index: 0,
      end_index: text.length,
      url: mockSearchUri(input),
      title: 'example.com',
    };
    expect(message.content[0].annotations).toEqual([cite]);
    const added = events.filter((e) => e.type === 'response.output_text.annotation.added');
    expect(added).toEqual([expect.objectContaining({ item_id: message.id, annotation_index: 0, annotation: cite })]);
  });
});
