import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '@switchyard/plugin-response-cache';
import { startMockGemini, type MockGemini } from '../../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../../support/gateway.js';

/**
 * A cached answer that searched (Gemini's grounding with Google Search) is what the caller got the
 * first time: its searches (Anthropic's search blocks, Responses' web_search_call items) and the
 * citations of its text, replayed as an answer and as a stream, whether stored from one or the other.
 * A replay puts the searches before the text, as the APIs do and as the answer does; a Gemini
 * stream, whose grounding comes with its last text, had them after it.
 */
const KEY = 'fake-gemini-upstream-key-cache';
const MODEL = 'gemini-2.5-flash';
let gemini: MockGemini;
let gw: RunningGateway;
let anthropic: Anthropic;
let openai: OpenAI;
let run = 0;

beforeAll(async () => {
  gemini = await startMockGemini({ name: 'g', apiKey: KEY });
  gw = await startGateway(
    { providers: [{ name: 'g', type: 'gemini', baseUrl: gemini.origin, apiKey: KEY, models: [MODEL] }] },
    { plugins: [{ plugin: responseCache(), options: { cacheable: 'all' } }] },
  );
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await gemini.close();
});

const generates = () => gemini.requests.filter((r) => r.path.includes('enerateContent')).length;

const searchRequest = () => ({
  model: MODEL,
  max_tokens: 200,
  messages: [{ role: 'user' as const, content: `news about switchyard ${++run}?` }],
  tools: [{ type: 'web_search_20250305' as const, name: 'web_search' as const }],
});

describe('response-cache: an answer that searched', () => {
  it('Anthropic, streamed then replayed as a stream and as a message: the search blocks and citations again', async () => {
    const request = searchRequest();
    const before = generates();
    const first = await anthropic.messages.stream(request as never).finalMessage();
    expect(first.content.map((b) => b.type)).toEqual(['text', 'server_tool_use', 'web_search_tool_result']);
    expect((first.content[0] as Anthropic.TextBlock).citations).toHaveLength(1);
    const searchFirst = [first.content[1], first.content[2], first.content[0]];
    const replayed = await anthropic.messages.stream(request as never).finalMessage();
    expect(replayed.content).toEqual(searchFirst);
    const json = await anthropic.messages.create(request as never);
    expect(json.content).toEqual(searchFirst);
    expect(generates()).toBe(before + 1);
  });

  it('Anthropic, answered then replayed as a stream: the search blocks and citations again', async () => {
    const request = searchRequest();
    const before = generates();
    const first = await anthropic.messages.create(request as never);
    expect(first.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'text']);
    const replayed = await anthropic.messages.stream(request as never).finalMessage();
    expect(replayed.content).toEqual(first.content);
    expect(generates()).toBe(before + 1);
  });

  it('Responses, streamed then replayed: the web_search_call item and the annotations again', async () => {
    const input = `news about switchyard ${++run}?`;
    const ask = () => openai.responses.create({ model: MODEL, input, tools: [{ type: 'web_search' }], stream: true });
    const itemsOf = async (stream: AsyncIterable<any>) => {
      let done: any;
      for await (const event of stream) if (event.type === 'response.completed') done = event.response;
      return done.output.map(({ id: _id, ...item }: any) => item);
    };
    const before = generates();
    const first = await itemsOf(await ask());
    expect(first.map((item: any) => item.type)).toEqual(['message', 'web_search_call']);
    expect(first[0].content[0].annotations).toHaveLength(1);
    expect(await itemsOf(await ask())).toEqual([first[1], first[0]]);
    expect(generates()).toBe(before + 1);
  });
});
