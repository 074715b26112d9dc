/**
 * Holes the fourteenth rule-bypass pass closed: a web search converted from the caller's protocol
 * to another upstream's lost its limit, and budgets reserved it as the caller's protocol runs it.
 *
 * An Anthropic Messages caller's web search on an OpenAI model goes to the Responses API with the
 * hosted `web_search` tool. Its `max_uses` was dropped (no `max_tool_calls` sent: the model searched
 * as often as it liked), and budgets counted one sampling, as the instance's protocol was read as
 * Chat Completions: allowed two searches on a 200,000-token model, it was reserved $0.635 and billed
 * $3.055 when the model ran four (five samplings of a full window), past a $1.50 budget. The
 * converted request is now sent the searches reserved as `max_tool_calls`, and reserved one
 * sampling more than them.
 *
 * A Responses caller's `web_search` converted to Anthropic's `web_search_20250305` was sent no
 * `max_uses`: reserved three searches (`max_tool_calls` 3), it was billed the twelve the model ran
 * ($0.12 of searches for $0.03 reserved). It is now sent the searches reserved as `max_uses`.
 *
 * A Chat caller's `web_search_options` (reserved one search) converted for Anthropic was likewise
 * sent no `max_uses`. Each case failed before the fix (the comments say how).
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import {
  anthropicAt,
  budgeted,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

const WINDOW = 200_000;
const CATALOG = {
  m: { pricing: { input: 3, output: 15, webSearch: 10 }, contextWindow: WINDOW, maxOutputTokens: 8000 },
};
/** The searches the scripted model runs when nothing limits it. */
const WANTED = 4;

const searchCall = (n: number) => ({
  type: 'web_search_call',
  id: `ws_${n}`,
  status: 'completed',
  action: { type: 'search', query: `q${n}`, sources: [] },
});

/** A Responses upstream whose model runs WANTED searches, or `max_tool_calls` if fewer: a full window read per sampling. */
async function responsesUpstream() {
  return startScriptedUpstream((body) => {
    const ran = Math.min(WANTED, typeof body.max_tool_calls === 'number' ? body.max_tool_calls : WANTED);
    const calls = Array.from({ length: ran }, (_, n) => searchCall(n));
    return responsesAnswer(body.model, calls, { input_tokens: (1 + ran) * WINDOW, output_tokens: 1000 });
  });
}

/** An Anthropic upstream whose model runs `wanted` searches, or its web search tool's `max_uses` if fewer. */
async function anthropicUpstream(wanted: number) {
  return startScriptedUpstream((body) => {
    const tool = (body.tools ?? []).find((t: { type?: string }) => t.type?.startsWith('web_search_'));
    const ran = Math.min(wanted, typeof tool?.max_uses === 'number' ? tool.max_uses : wanted);
    return messagesAnswer(body.model, {
      input_tokens: 100,
      output_tokens: 10,
      server_tool_use: { web_search_requests: ran },
    });
  });
}

describe('an Anthropic caller’s web search sent over the Responses API', () => {
  const body = {
    model: 'm',
    max_tokens: 1000,
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
    messages: [{ role: 'user', content: 'research' }],
  };

  it('is reserved every sampling its searches may add, and sent their limit', async () => {
    const up = await responsesUpstream();
    const setup = await budgeted({
      keys: [
        { name: 'conv14', key: k('conv14'), budget: { usd: 1.5, period: 'day' } },
        { name: 'conv14b', key: k('conv14b'), budget: { usd: 2, period: 'day' } },
      ],
      catalog: CATALOG,
      providers: [mockProvider('oa', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const refused = await spendOn(setup, up, 'conv14', '/v1/messages', body);
      // Was 200, sent 1: $0.635 reserved (one sampling), $3.055 charged (four searches, five samplings).
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
      // Three samplings of the window ($1.80), the answer and two searches ($0.035) fit $2.
      const served = await spendOn(setup, up, 'conv14b', '/v1/messages', body);
      expect(served.status, served.message).toBe(200);
      expect(up.received[0]!.path).toBe('/v1/responses');
      // Was sent no max_tool_calls.
      expect(up.received[0]!.body.max_tool_calls).toBe(2);
      expect(served.spentUsd).toBeCloseTo(3 * WINDOW * 3e-6 + 1000 * 15e-6 + 0.02, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('setting no max_uses, is sent the searches reserved for it', async () => {
    const up = await responsesUpstream();
    const setup = await budgeted({
      keys: [{ name: 'conv14c', key: k('conv14c'), budget: { usd: 10, period: 'day' } }],
      catalog: CATALOG,
      providers: [mockProvider('oa', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const open = { ...body, tools: [{ type: 'web_search_20250305', name: 'web_search' }] };
      const served = await spendOn(setup, up, 'conv14c', '/v1/messages', open);
      expect(served.status, served.message).toBe(200);
      // Was sent no max_tool_calls.
      expect(up.received[0]!.body.max_tool_calls).toBe(10);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('a web search converted for an Anthropic upstream', () => {
  const run = async (name: string, path: string, body: unknown) => {
    const up = await anthropicUpstream(12);
    const setup = await budgeted({
      keys: [{ name, key: k(name), budget: { usd: 10, period: 'day' } }],
      catalog: CATALOG,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const spent = await spendOn(setup, up, name, path, body);
      expect(spent.status, spent.message).toBe(200);
      return { spent, tool: up.received[0]!.body.tools.at(-1) };
    } finally {
      await setup.gw.close();
      await up.close();
    }
  };
  const TOKENS_USD = 100 * 3e-6 + 10 * 15e-6;

  it('from a Responses caller, is sent its max_tool_calls as max_uses', async () => {
    const body = {
      model: 'm',
      max_output_tokens: 1000,
      max_tool_calls: 3,
      tools: [{ type: 'web_search' }],
      input: 'x',
    };
    const { spent, tool } = await run('conv14r', '/v1/responses', body);
    // Was sent no max_uses: twelve searches charged ($0.12), three reserved ($0.03).
    expect(tool).toMatchObject({ type: 'web_search_20250305', max_uses: 3 });
    expect(spent.spentUsd).toBeCloseTo(TOKENS_USD + 0.03, 9);
  });

  it('from a Responses caller setting no max_tool_calls, is sent the searches reserved', async () => {
    const body = { model: 'm', max_output_tokens: 1000, tools: [{ type: 'web_search' }], input: 'x' };
    const { spent, tool } = await run('conv14s', '/v1/responses', body);
    // Was sent no max_uses: twelve searches charged, ten reserved.
    expect(tool).toMatchObject({ type: 'web_search_20250305', max_uses: 10 });
    expect(spent.spentUsd).toBeCloseTo(TOKENS_USD + 0.1, 9);
  });

  it('from a Chat caller’s web_search_options, is sent the one search reserved', async () => {
    const body = { model: 'm', max_tokens: 1000, web_search_options: {}, messages: [{ role: 'user', content: 'x' }] };
    const { spent, tool } = await run('conv14c', '/v1/chat/completions', body);
    // Was sent no max_uses: twelve searches charged ($0.12), one reserved ($0.01).
    expect(tool).toMatchObject({ type: 'web_search_20250305', max_uses: 1 });
    expect(spent.spentUsd).toBeCloseTo(TOKENS_USD + 0.01, 9);
  });
});
