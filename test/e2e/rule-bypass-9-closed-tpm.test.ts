/**
 * A hole the ninth rule-bypass pass closed: tokens per minute counted a request offering hosted
 * tools whose results the upstream reads as input (web search and fetch, MCP, file_search, code
 * runs), or a document given by URL, by its own short text, though the upstream may read up to the
 * model's context window for it, and budgets reserve that window. A burst of such requests passed a
 * limit they then overran many times over, once settled at their real usage. They count the window
 * at admission now, as an inline PDF whose pages cannot be counted does; under a limit smaller than
 * the window (but over the body), the whole limit: such a request runs alone in its minute.
 * Each case failed before the fix (200, the request sent).
 */
import { describe, expect, it } from 'vitest';
import {
  anthropicAt,
  answerAt,
  budgeted,
  k,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

const ask = { role: 'user', content: 'what happened today?' };

/** Requests whose upstream may read up to the window beyond their text, by inbound protocol path. */
const CASES: Array<[label: string, path: string, body: Record<string, unknown>]> = [
  [
    'Messages with web_search',
    '/v1/messages',
    { model: 'm', max_tokens: 100, messages: [ask], tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
  ],
  [
    'Messages with web_fetch',
    '/v1/messages',
    { model: 'm', max_tokens: 100, messages: [ask], tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] },
  ],
  [
    'Messages with mcp_servers',
    '/v1/messages',
    {
      model: 'm',
      max_tokens: 100,
      messages: [ask],
      mcp_servers: [{ type: 'url', url: 'https://mcp.example.test/sse', name: 'x' }],
    },
  ],
  [
    'Messages with a PDF by URL',
    '/v1/messages',
    {
      model: 'm',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'url', url: 'https://docs.example.test/big.pdf' } },
            { type: 'text', text: 'sum it up' },
          ],
        },
      ],
    },
  ],
  [
    'Chat with web_search_options',
    '/v1/chat/completions',
    { model: 'o', max_tokens: 100, messages: [ask], web_search_options: {} },
  ],
  [
    'Responses with web_search',
    '/v1/responses',
    { model: 'o', max_output_tokens: 100, input: 'what happened today?', tools: [{ type: 'web_search' }] },
  ],
  [
    'Responses with file_search',
    '/v1/responses',
    {
      model: 'o',
      max_output_tokens: 100,
      input: 'what does the handbook say?',
      tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }],
    },
  ],
];

describe('a request offering hosted tools whose results are read as input, against tokens per minute', () => {
  /** Keys `tpm` (100,000 tokens a minute) and `wide` (300,000) on models of a 200,000-token window. */
  async function perMinute() {
    const up = await startScriptedUpstream((body, path) =>
      path.endsWith('/messages')
        ? messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 })
        : answerAt(path, body.model),
    );
    const window = { contextWindow: 200_000, maxOutputTokens: 4000 };
    const setup = await budgeted({
      keys: [
        { name: 'tpm9', key: k('tpm9'), limits: { tokensPerMinute: 100_000 }, accountObjects: ['*'] },
        { name: 'wide9', key: k('wide9'), limits: { tokensPerMinute: 300_000 }, accountObjects: ['*'] },
      ],
      catalog: { m: window, o: window },
      providers: [
        anthropicAt(up.baseUrl),
        {
          name: 'o',
          type: 'openai',
          baseUrl: up.baseUrl,
          apiKey: 'openai-upstream-test-credential',
          models: ['o'],
          responsesApi: true,
        },
      ],
    });
    return { up, setup, close: async () => (await setup.gw.close(), await up.close()) };
  }

  for (const [label, path, body] of CASES)
    it(`${label}: counts the whole context window at admission, or a smaller limit whole`, async () => {
      const { up, setup, close } = await perMinute();
      try {
        // The window (200,100 with the output) is over the 100,000 limit, the body is not: the
        // request takes the whole minute, so runs only in a minute nothing else has used.
        expect(await spendOn(setup, up, 'tpm9', path, body)).toMatchObject({ status: 200, sent: 1 });
        const refused = await spendOn(setup, up, 'tpm9', path, body);
        expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 1 });
        expect(refused.message).toContain(
          "tokens per minute limit is 100000, and this request may read up to its model's context window",
        );
        expect(refused.message).toMatch(/retry in \d/);
        // The window and the output fit a 300,000-token minute.
        expect(await spendOn(setup, up, 'wide9', path, body)).toMatchObject({ status: 200, sent: 2 });
      } finally {
        await close();
      }
    });
});

describe('tools the caller runs itself', () => {
  it('a function tool adds no window: counted by the text', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'fn9', key: k('fn9'), limits: { tokensPerMinute: 100_000 } }],
      catalog: { m: { contextWindow: 200_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const body = {
        model: 'm',
        max_tokens: 100,
        messages: [ask],
        tools: [{ name: 'lookup', description: 'look it up', input_schema: { type: 'object', properties: {} } }],
      };
      expect(await spendOn(setup, up, 'fn9', '/v1/messages', body)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
