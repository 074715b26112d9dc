import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { mockSearchUri, startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

/**
 * A Chat Completions caller's web search (`web_search_options`) served by upstreams that search
 * their own way: the pages the answer's text cites (Gemini's grounding supports, Anthropic's
 * `web_search_result_location` citations) come back as Chat's search models give them, the
 * message's `url_citation` annotations (a stream's in a delta), indices into its content.
 */
const UP = 'fake-upstream-key-cite';
let anthropic: MockAnthropic;
let gemini: MockGemini;
let gw: RunningGateway;
let client: OpenAI;

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

const ask = (model: string, content: string) => ({
  model,
  messages: [{ role: 'user' as const, content }],
  web_search_options: {},
});

/** A streamed answer's content and annotations, as a Chat caller adds them up. */
async function streamed(model: string, content: string): Promise<{ text: string; annotations: unknown[] }> {
  const stream = await client.chat.completions.create({ ...ask(model, content), stream: true });
  let text = '';
  const annotations: unknown[] = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { content?: string; annotations?: unknown[] } | undefined;
    text += delta?.content ?? '';
    annotations.push(...(delta?.annotations ?? []));
  }
  return { text, annotations };
}

const cite = (url: string, title: string, start: number, end: number) => ({
  type: 'url_citation',
  url_citation: { url, title, start_index: start, end_index: end },
});

describe('Chat web_search_options: the citations of the answer', () => {
  it('Gemini: its grounding supports are the message annotations, byte offsets counted in characters', async () => {
    const question = 'quoi de neuf — été?';
    const data = await client.chat.completions.create(ask('gemini-2.5-flash', question));
    const message = data.choices[0]!.message;
    expect(message.content).toContain(question);
    expect(message.annotations).toEqual([cite(mockSearchUri(question), 'example.com', 0, message.content!.length)]);
  });

  it('Gemini, streamed: the annotations come in a delta, indices into the content streamed', async () => {
    const question = 'quoi de neuf — été?';
    const { text, annotations } = await streamed('gemini-2.5-flash', question);
    expect(text).toContain(question);
    expect(annotations).toEqual([cite(mockSearchUri(question), 'example.com', 0, text.length)]);
  });

  it('Anthropic: a text block citing a search result is a url_citation of its span of the content', async () => {
    anthropic.queueAnswer({ webSearch: { query: 'switchyard' }, text: 'found it' });
    const data = await client.chat.completions.create(ask('claude-sonnet-4-5', 'news?'));
    expect(data.choices[0]!.message.content).toBe('found it');
    expect(data.choices[0]!.message.annotations).toEqual([cite('https://example.com/', 'Example Domain', 0, 8)]);
  });

  it('Anthropic, streamed: the citations_delta of a text block become annotations once the block ends', async () => {
    anthropic.queueAnswer({ webSearch: { query: 'switchyard' }, text: 'found it' });
    const { text, annotations } = await streamed('claude-sonnet-4-5', 'news?');
    expect(text).toBe('found it');
    expect(annotations).toEqual([cite('https://example.com/', 'Example Domain', 0, 8)]);
  });
});
