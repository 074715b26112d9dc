import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { searchResultUrl } from '../support/mock-openai-responses.js';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/**
 * An Anthropic caller's web search answered by an OpenAI upstream (the Responses API's hosted
 * search) comes back as search blocks and citations with empty encrypted fields, which only
 * Anthropic can fill. The caller sends that history back; when the next turn goes to an Anthropic
 * upstream (another model here; failover alike), which refuses search results and citations it
 * did not make, the searches go as text of their turn and the citations are left off. Anthropic's
 * own search blocks pass through untouched.
 */
let openai: MockOpenAI;
let ant: MockAnthropic;
let gw: RunningGateway;
let client: Anthropic;
const QUERY = 'Search the web for: switchyard gateway release';
const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 } as const;

beforeAll(async () => {
  openai = await startMockOpenAI({ name: 'o', apiKey: 'fake-openai-upstream-key' });
  ant = await startMockAnthropic({ name: 'ant', apiKey: 'fake-anthropic-upstream-key' });
  gw = await startGateway({
    providers: [
      {
        name: 'o',
        type: 'openai',
        baseUrl: openai.baseUrl,
        apiKey: 'fake-openai-upstream-key',
        responsesApi: true,
        models: ['gpt-4o-mini'],
      },
      { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'fake-anthropic-upstream-key' },
    ],
    models: [
      { name: 'searching', targets: ['o/gpt-4o-mini'] },
      { name: 'claude', targets: ['ant/claude-sonnet-4-5'] },
    ],
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
});

afterAll(async () => {
  await gw.close();
  await Promise.all([openai.close(), ant.close()]);
});

/** Turn 1's answer from `model`, then turn 2 (that history and a question) sent to the Anthropic upstream. */
async function nextTurnAfter(model: string, stream = false) {
  const first = (await client.messages.create({
    model,
    max_tokens: 512,
    messages: [{ role: 'user', content: QUERY }],
    tools: [webSearch],
  } as never)) as Anthropic.Message;
  const request = {
    model: 'claude',
    max_tokens: 512,
    messages: [
      { role: 'user', content: QUERY },
      { role: 'assistant', content: first.content },
      { role: 'user', content: 'and what changed since?' },
    ],
    tools: [webSearch],
  };
  const next = stream
    ? await client.messages.stream(request as never).finalMessage()
    : ((await client.messages.create(request as never)) as Anthropic.Message);
  return { first, next, sent: ant.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> } };
}

describe('web search history made for an Anthropic caller, sent back to an Anthropic upstream', () => {
  it('goes as text: the query, the pages found, the answer without the made-up citations', async () => {
    const { first, next, sent } = await nextTurnAfter('searching');
    expect(first.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'text']);
    expect(ant.requests.at(-1)!.status).toBe(200);
    expect(next.content[0]).toEqual({ type: 'text', text: 'ant: and what changed since?' });
    const url = searchResultUrl(QUERY);
    expect(sent.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'text', text: `(searched the web for: ${QUERY})` },
        { type: 'text', text: `(search results)\n- Results for ${QUERY}: ${url}` },
        { type: 'text', text: `o: ${QUERY}` },
      ],
    });
    expect(sent.messages[0]).toEqual({ role: 'user', content: QUERY });
  });

  it('streamed too, and named in x-switchyard-warnings', async () => {
    const { next } = await nextTurnAfter('searching', true);
    expect(ant.requests.at(-1)!.status).toBe(200);
    expect(next.content[0]).toMatchObject({ type: 'text', text: 'ant: and what changed since?' });
    const { response } = await client.messages
      .create({
        model: 'claude',
        max_tokens: 64,
        messages: [
          { role: 'user', content: QUERY },
          {
            role: 'assistant',
            content: [
              {
                type: 'text',
                text: 'It shipped.',
                citations: [
                  {
                    type: 'web_search_result_location',
                    url: 'https://a.example/notes',
                    title: 'Notes',
                    cited_text: 'It shipped.',
                    encrypted_index: '',
                  },
                ],
              },
            ],
          },
          { role: 'user', content: 'when?' },
        ],
      } as never)
      .withResponse();
    expect(response.headers.get('x-switchyard-warnings')).toContain('web searches another upstream ran sent as text');
    // A citation whose page no search block of the turn named: the page is named after the text.
    expect(ant.requests.at(-1)!.body.messages[1].content).toEqual([
      { type: 'text', text: 'It shipped.' },
      { type: 'text', text: '(cited)\n- Notes: https://a.example/notes' },
    ]);
  });

  it("Anthropic's own search blocks and citations pass through untouched, no warning", async () => {
    ant.queueAnswer({ text: 'Released.', webSearch: { query: QUERY } });
    const first = (await client.messages.create({
      model: 'claude',
      max_tokens: 512,
      messages: [{ role: 'user', content: QUERY }],
      tools: [webSearch],
    } as never)) as Anthropic.Message;
    expect(first.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'text']);
    const history = [
      { role: 'user', content: QUERY },
      { role: 'assistant', content: first.content },
      { role: 'user', content: 'and what changed since?' },
    ];
    const { response } = await client.messages
      .create({ model: 'claude', max_tokens: 512, messages: history, tools: [webSearch] } as never)
      .withResponse();
    expect(ant.requests.at(-1)!.status).toBe(200);
    expect(ant.requests.at(-1)!.body.messages).toEqual(JSON.parse(JSON.stringify(history)));
    expect(response.headers.get('x-switchyard-warnings') ?? '').not.toContain('web search');
  });

  it("in one history, Anthropic's own search turn stays as it is and the other upstream's goes as text", async () => {
    ant.queueAnswer({ text: 'Released.', webSearch: { query: QUERY } });
    const own = (await client.messages.create({
      model: 'claude',
      max_tokens: 512,
      messages: [{ role: 'user', content: QUERY }],
      tools: [webSearch],
    } as never)) as Anthropic.Message;
    const made = (await client.messages.create({
      model: 'searching',
      max_tokens: 512,
      messages: [{ role: 'user', content: QUERY }],
      tools: [webSearch],
    } as never)) as Anthropic.Message;
    await client.messages.create({
      model: 'claude',
      max_tokens: 512,
      messages: [
        { role: 'user', content: QUERY },
        { role: 'assistant', content: own.content },
        { role: 'user', content: 'search again' },
        { role: 'assistant', content: made.content },
        { role: 'user', content: 'compare' },
      ],
      tools: [webSearch],
    } as never);
    expect(ant.requests.at(-1)!.status).toBe(200);
    const sent = ant.requests.at(-1)!.body.messages;
    expect(sent[1].content).toEqual(JSON.parse(JSON.stringify(own.content)));
    expect(sent[3].content.map((b: { type: string }) => b.type)).toEqual(['text', 'text', 'text']);
  });
});
