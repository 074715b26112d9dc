/**
 * Fees billed beside the tokens that a budget did not reserve or charge, found by the fifth
 * rule-bypass pass, closed. Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { BEDROCK_MODELS } from '@switchyard/provider-bedrock';
import { VERTEX_MODELS } from '@switchyard/provider-vertex';
import { decodeResponsesStream, fromResponseObject } from '@switchyard/wire-openai-responses';
import type { ResponseObject } from '@switchyard/wire-openai-responses';
import { mockProvider } from '../support/gateway.js';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { budgetOf, call } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  listening,
  messagesAnswer,
  responsesAnswer,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

/** Three web_search_call items of a Responses answer. */
const searchCalls = [1, 2, 3].map((i) => ({
  type: 'web_search_call',
  id: `ws_${i}`,
  status: 'completed',
  action: { type: 'search', query: `q${i}` },
}));

describe('a web search with no price', () => {
  // Was: a catalog price without `webSearch` made an answer that ran a web search "unpriced" as a
  // whole (plugin-pricing), so budgets charged it NOTHING: not the search, not the tokens. The
  // reservation counted the searches as $0 and `unpriced: deny` only checked the token price: a
  // budgeted key adding a web_search tool to every request spent for free, without limit.
  const setup = async (budgets?: Record<string, unknown>) => {
    const ant = await startMockAnthropic({ name: 'ant' });
    const { gw, finished } = await budgeted({
      keys: [{ name: 'a', key: k('ws'), budget: { usd: 1, period: 'day' } }],
      // Priced tokens, no webSearch price.
      catalog: { 'claude-custom-1': { pricing: { input: 3, output: 15 } } },
      providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-secret-0123456789' }],
      ...(budgets ? { budgets } : {}),
    });
    const ask = () =>
      call(`${gw.url}/v1/messages`, k('ws'), {
        model: 'claude-custom-1',
        max_tokens: 2000,
        tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }],
        messages: [{ role: 'user', content: 'search' }],
      });
    return { ant, gw, finished, ask };
  };

  it('with unpriced: deny, a budgeted key is refused the search before the upstream', async () => {
    const { ant, gw, ask } = await setup();
    try {
      ant.queueAnswer({ webSearch: { query: 'x' }, text: 'found' });
      const res = await ask();
      expect(res.status, res.text).toBe(400);
      expect(res.json.error.message).toContain('no web search price known for ant/claude-custom-1');
      expect(ant.requests.length).toBe(0);
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('with unpriced: free, the answer that searched is charged its tokens (the search alone unpriced)', async () => {
    const { ant, gw, finished, ask } = await setup({ unpriced: 'free' });
    try {
      ant.queueAnswer({ webSearch: { query: 'x' }, text: 'found' });
      const res = await ask();
      expect(res.status, res.text).toBe(200);
      await finished.next();
      const u = res.json.usage;
      expect(u.server_tool_use.web_search_requests).toBe(1);
      const tokensUsd = (u.input_tokens * 3 + u.output_tokens * 15) / 1e6;
      expect(tokensUsd).toBeGreaterThan(0);
      expect((await budgetOf(gw.url, ADMIN, 'a')).spentUsd).toBeCloseTo(tokensUsd, 12);
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it("Claude's built-in prices on Vertex (which runs Anthropic's web search) price searches; Bedrock's do not", () => {
    for (const [name, info] of Object.entries(VERTEX_MODELS))
      if (name.startsWith('claude-') && name !== 'claude-3-haiku@20240307')
        expect([name, info.pricing?.webSearch]).toEqual([name, 10]);
    for (const info of Object.values(BEDROCK_MODELS)) expect(info.pricing?.webSearch).toBeUndefined();
  });

  it("OpenAI's built-in prices price searches: a budgeted key may search on gpt-5 and is charged the calls", async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, searchCalls, { input_tokens: 100, output_tokens: 100 }),
    );
    // No catalog entry: gpt-5's built-in price ($1.25 / $10, $10 per 1,000 searches, a 400k window),
    // the window reserved for each of 11 samplings (10 tool calls sent as the limit): $5.605.
    const { gw, finished } = await budgeted({
      keys: [{ name: 'g5', key: k('g5'), budget: { usd: 6, period: 'day' } }],
      catalog: {},
      providers: [mockProvider('r', up.baseUrl, { models: ['gpt-5'], responsesApi: true })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('g5'), {
        model: 'gpt-5',
        tools: [{ type: 'web_search' }],
        input: 'search the web',
        max_output_tokens: 500,
      });
      expect(res.status, res.text).toBe(200);
      await finished.next();
      const tokensUsd = (100 * 1.25 + 100 * 10) / 1e6;
      expect((await budgetOf(gw.url, ADMIN, 'g5')).spentUsd).toBeCloseTo(tokensUsd + 0.03, 9);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('Responses built-in tool fees', () => {
  // Was: OpenAI bills each `web_search` call of the Responses API beside the tokens. The budget
  // counted searches only from Anthropic's `server_tool_use.web_search_requests` and reserved
  // only tools whose type starts `web_search_`: a Responses `web_search` tool was reserved $0 and
  // its calls (web_search_call items) charged $0; a `web_search_preview` tool was reserved but
  // its calls not charged either.
  it.each(['web_search', 'web_search_preview'])('a %s tool: its calls are charged their fee', async (type) => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, searchCalls, { input_tokens: 100, output_tokens: 100 }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 's', key: k('s'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 1000 } },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('s'), {
        model: 'm',
        tools: [{ type }],
        input: 'search the web',
        max_output_tokens: 500,
      });
      expect(res.status, res.text).toBe(200);
      expect(up.received[0]!.body.tools).toEqual([{ type }]);
      await finished.next();
      const tokensUsd = (100 * 1 + 100 * 1) / 1e6;
      // Was $0.0002, the tokens only; three searches at $10 per 1,000 are $0.03 more.
      expect((await budgetOf(gw.url, ADMIN, 's')).spentUsd).toBeCloseTo(tokensUsd + 0.03, 9);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a web_search tool: a streamed answer passed through is charged its calls', async () => {
    const up = await startResponsesStream(searchCalls, { input_tokens: 100, output_tokens: 100 });
    const { gw, finished } = await budgeted({
      keys: [{ name: 'st', key: k('st'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 1000 } },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('st'), {
        model: 'm',
        stream: true,
        tools: [{ type: 'web_search' }],
        input: 'search the web',
        max_output_tokens: 500,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.text).toContain('web_search_call');
      await finished.next();
      expect((await budgetOf(gw.url, ADMIN, 'st')).spentUsd).toBeCloseTo(200 / 1e6 + 0.03, 9);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a Responses answer decoded to canonical usage, streamed or not, counts its web_search_call items', async () => {
    const answer = responsesAnswer('m', searchCalls, { input_tokens: 100, output_tokens: 100 }) as ResponseObject;
    expect(fromResponseObject(answer).usage?.server_tool_use).toEqual({ web_search_requests: 3 });
    async function* events(): AsyncIterable<SseEvent> {
      yield { data: JSON.stringify({ type: 'response.created', response: { ...answer, output: [], usage: null } }) };
      yield { data: JSON.stringify({ type: 'response.completed', response: answer }) };
    }
    let usage: Usage | null | undefined;
    for await (const chunk of decodeResponsesStream(events())) usage = chunk.usage ?? usage;
    expect(usage?.server_tool_use).toEqual({ web_search_requests: 3 });
  });
});

describe('Chat Completions answers billed beyond their tokens', () => {
  // Was: Chat `web_search_options` (OpenAI's search models) runs a web search for the answer,
  // billed per call beside the tokens; the budget reserved and charged it $0 even where the
  // catalog prices searches (`webSearch`).
  it('web_search_options: the search is reserved and charged at the catalog webSearch price', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 10, completion_tokens: 10 }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'w', key: k('w'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 1000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('w'), {
        model: 'm',
        max_tokens: 100,
        web_search_options: { search_context_size: 'high' },
        messages: [{ role: 'user', content: 'news today?' }],
      });
      expect(res.status, res.text).toBe(200);
      expect(up.received[0]!.body.web_search_options).toBeDefined();
      await finished.next();
      // Was $0.00002, the tokens only; the search is $0.01 at $10 per 1,000.
      expect((await budgetOf(gw.url, ADMIN, 'w')).spentUsd).toBeCloseTo(20 / 1e6 + 0.01, 12);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('web_search_options: the search is reserved, so a budget without room for it refuses the request', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const { gw } = await budgeted({
      // Room for the tokens ($0.0001 at most), not for the search ($0.01).
      keys: [{ name: 'w2', key: k('w2'), budget: { usd: 0.005, period: 'day' } }],
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 1000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('w2'), {
        model: 'm',
        max_tokens: 100,
        web_search_options: {},
        messages: [{ role: 'user', content: 'news today?' }],
      });
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 402, reached: 0 });
    } finally {
      await gw.close();
      await up.close();
    }
  });

  // Was: audio output is billed at the model's audio rate (gpt-4o-audio-preview: $80 per 1M audio
  // output tokens against $10 for text), but the catalog has no audio price and the audio tokens
  // were priced as text. An unpriced service tier is refused for a budgeted key; unpriced audio was not.
  it.each([
    ['modalities with audio', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }],
    ['audio alone', { audio: { voice: 'alloy', format: 'wav' } }],
  ])('audio output (%s) on a model with no audio price is refused for a budgeted key', async (_, fields) => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, {
        prompt_tokens: 10,
        completion_tokens: 1000,
        completion_tokens_details: { audio_tokens: 900, reasoning_tokens: 0 },
      } as never),
    );
    const { gw } = await budgeted({
      keys: [{ name: 'au', key: k('au'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 2.5, output: 10 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('au'), {
        model: 'm',
        max_tokens: 1000,
        ...fields,
        messages: [{ role: 'user', content: 'say hi' }],
      });
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 400, reached: 0 });
      expect(res.json.error.code).toBe('constraint_unmet');
      expect(res.json.error.message).toContain('no price known for the audio output');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('hosted tools billed per call or per container, with no price', () => {
  // Was: OpenAI bills a Responses `code_interpreter` container, `file_search` calls and
  // `image_generation` images; Anthropic bills `code_execution` by container time. The catalog
  // has no price for any of them, yet a budgeted key was let through and charged the tokens only.
  it.each([
    ['Responses code_interpreter', '/v1/responses', { type: 'code_interpreter', container: { type: 'auto' } }],
    ['Responses file_search', '/v1/responses', { type: 'file_search', vector_store_ids: ['vs_1'] }],
    ['Responses image_generation', '/v1/responses', { type: 'image_generation' }],
    ['Messages code_execution', '/v1/messages', { type: 'code_execution_20250825', name: 'code_execution' }],
  ] as const)('%s: refused for a budgeted key, before the upstream', async (_, path, tool) => {
    const messages = path === '/v1/messages';
    const up = await startScriptedUpstream((body) =>
      messages
        ? messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 })
        : responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: 10 }),
    );
    const { gw } = await budgeted({
      keys: [
        { name: 't', key: k('t'), budget: { usd: 1, period: 'day' }, accountObjects: ['*'] },
        { name: 'free', key: k('free'), accountObjects: ['*'] },
      ],
      catalog: { m: { pricing: { input: 1, output: 1, webSearch: 10 }, maxOutputTokens: 4000 } },
      providers: [
        messages ? anthropicAt(up.baseUrl) : mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true }),
      ],
    });
    const body = messages
      ? { model: 'm', max_tokens: 100, tools: [tool], messages: [{ role: 'user', content: 'run it' }] }
      : { model: 'm', max_output_tokens: 100, tools: [tool], input: 'run it' };
    try {
      const res = await call(`${gw.url}${path}`, k('t'), body);
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 400, reached: 0 });
      expect(res.text).toContain(`no price known for the ${tool.type} tool`);
      // A key without a budget is not held to prices.
      expect((await call(`${gw.url}${path}`, k('free'), body)).status).toBe(200);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

/** A loopback Responses upstream streaming one answer: these output items, a message, then response.completed with this usage. */
async function startResponsesStream(
  items: unknown[],
  usage: { input_tokens: number; output_tokens: number },
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = responsesAnswer('m', items, usage) as { output: unknown[] };
      const events: Array<Record<string, unknown>> = [
        { type: 'response.created', response: { ...answer, status: 'in_progress', output: [], usage: null } },
        ...answer.output.map((item, output_index) => ({ type: 'response.output_item.done', output_index, item })),
        {
          type: 'response.output_text.delta',
          item_id: 'msg_1',
          output_index: items.length,
          content_index: 0,
          delta: 'ok',
        },
        { type: 'response.completed', response: answer },
      ];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      events.forEach((e, sequence_number) =>
        res.write(`event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number })}\n\n`),
      );
      res.end();
    });
  });
  return listening(server);
}
