/**
 * A hole the thirteenth rule-bypass pass closed: a request offering server tools whose results the
 * upstream reads (web search and fetch, code execution, MCP) runs a loop on the upstream: each tool
 * call is followed by another sampling, which reads the whole transcript again, the results added,
 * and every sampling is billed (Anthropic sums them in the top-level usage). Budgets reserved the
 * input of one sampling, up to the context window: an Anthropic web search allowed two searches on a
 * 200,000-token model was reserved $0.635 and billed $1.835 (three samplings of a full window), past a
 * $1.50 budget; Anthropic's loop runs up to ten samplings (then pauses the turn), some $6 of input.
 * The input is now reserved once per sampling the loop may run: on an upstream speaking Anthropic's
 * protocol one more than the calls the tools' `max_uses` allow, ten (the loop's own limit) where a
 * tool has none; on the Responses API one more than `max_tool_calls` (sent as 10 for any hosted
 * tool reading results when unset). Each case failed before the fix (the comments say how).
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
const SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 2 };

describe('a server tool loop, against a budget', () => {
  it('on an Anthropic upstream, is reserved every sampling the loop may run', async () => {
    // Two searches, three samplings reading a full window each: 600,000 input tokens billed.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        input_tokens: 3 * WINDOW,
        output_tokens: 1000,
        server_tool_use: { web_search_requests: 2 },
        iterations: [1, 2, 3].map(() => ({ type: 'message', input_tokens: WINDOW, output_tokens: 333 })),
      }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'loop13', key: k('loop13'), budget: { usd: 1.5, period: 'day' } },
        { name: 'loop13b', key: k('loop13b'), budget: { usd: 2, period: 'day' } },
      ],
      catalog: CATALOG,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const body = { model: 'm', max_tokens: 1000, tools: [SEARCH], messages: [{ role: 'user', content: 'research' }] };
      const refused = await spendOn(setup, up, 'loop13', '/v1/messages', body);
      // Was 200, sent 1: $0.635 reserved, $1.835 charged against the $1.50 budget.
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
      // Three samplings of the window ($1.80), the answer and the searches ($0.035) fit $2.
      const served = await spendOn(setup, up, 'loop13b', '/v1/messages', body);
      expect(served.status, served.message).toBe(200);
      expect(served.spentUsd).toBeCloseTo(3 * WINDOW * 3e-6 + 1000 * 15e-6 + 0.02, 9);
      // A search filtering its results runs code between searches, beyond max_uses: ten samplings ($6).
      const filtering = { ...body, tools: [{ ...SEARCH, type: 'web_search_20260209' }] };
      expect(await spendOn(setup, up, 'loop13b', '/v1/messages', filtering)).toMatchObject({ status: 402, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('on the Responses API, is reserved one sampling more than its tool calls, sent as their limit', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: 4 * WINDOW, output_tokens: 1000 }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'loop13r', key: k('loop13r'), budget: { usd: 2, period: 'day' } },
        { name: 'loop13s', key: k('loop13s'), budget: { usd: 10, period: 'day' } },
      ],
      catalog: CATALOG,
      providers: [mockProvider('oa', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const body = {
        model: 'm',
        max_output_tokens: 1000,
        max_tool_calls: 3,
        tools: [{ type: 'web_search' }],
        input: 'research',
      };
      const refused = await spendOn(setup, up, 'loop13r', '/v1/responses', body);
      // Was 200, sent 1: $0.66 reserved (one window and three searches), $2.40 of input billed.
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 402, sent: 0 });
      // An MCP tool with no limit is sent the one reserved.
      const { max_tool_calls: _, ...open } = body;
      const mcp = { ...open, tools: [{ type: 'mcp', server_label: 'docs', server_url: 'http://127.0.0.1:9/mcp' }] };
      expect((await spendOn(setup, up, 'loop13r', '/v1/responses', mcp)).status).toBe(402);
      // Eleven samplings of the window ($6.60) fit $10: it runs with the limit reserved.
      const served = await spendOn(setup, up, 'loop13s', '/v1/responses', mcp);
      expect(served.status, served.message).toBe(200);
      // Was sent no max_tool_calls: as many MCP calls, and samplings, as the model would run.
      expect(up.received[0]!.body.max_tool_calls).toBe(10);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
