/**
 * A hole the fifteenth rule-bypass pass closed: a hosted tool search (Anthropic's
 * `tool_search_tool_regex_*` / `_bm25_*`, the Responses API's `tool_search`) is a server tool like
 * a web search: each search is followed by another sampling that reads the whole transcript again,
 * the tools it found loaded, and every sampling is billed. Its results are tool definitions the
 * body holds, so it was not among the tools "reading results", and budgets reserved one sampling:
 * a 10,000-token prompt with five searches was billed $0.165 against a $0.10 budget that had
 * admitted it at $0.045. A tool search now counts as a server tool loop: on Anthropic up to ten
 * samplings (the loop's own limit; the tool takes no `max_uses`), on the Responses API one more than
 * `max_tool_calls`, sent as 10 when unset. The first two cases failed before the fix.
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

/** About 10,000 tokens of tool definitions, deferred: loaded by the searches that find them. */
const DEFERRED = Array.from({ length: 40 }, (_, i) => ({
  name: `tool_${i}`,
  description: `Tool ${i}. ${'Looks things up in the catalog. '.repeat(31)}`,
  defer_loading: true,
}));
const PROMPT = 10_000;
const SAMPLINGS = 6; // five searches, then the answer
const CATALOG = { m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 8000 } };
const messages = [{ role: 'user', content: 'find the tools you need, then answer' }];

describe('a hosted tool search, against a budget', () => {
  it('on an Anthropic upstream, is reserved every sampling its loop may run', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        input_tokens: SAMPLINGS * PROMPT,
        output_tokens: 1000,
        server_tool_use: { tool_search_requests: SAMPLINGS - 1 },
      }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'find15', key: k('find15'), budget: { usd: 0.1, period: 'day' } },
        { name: 'find15b', key: k('find15b'), budget: { usd: 1, period: 'day' } },
      ],
      catalog: CATALOG,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const body = {
        model: 'm',
        max_tokens: 1000,
        tools: [
          { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
          ...DEFERRED.map((t) => ({ ...t, input_schema: { type: 'object' } })),
        ],
        messages,
      };
      // Was 200, sent 1: one sampling ($0.045) reserved, six ($0.195) charged against $0.10.
      const refused = await spendOn(setup, up, 'find15', '/v1/messages', body);
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
      // Ten samplings of the prompt and the answer fit $1: served, charged what was billed.
      const served = await spendOn(setup, up, 'find15b', '/v1/messages', body);
      expect(served.status, served.message).toBe(200);
      expect(served.spentUsd).toBeCloseTo(SAMPLINGS * PROMPT * 3e-6 + 1000 * 15e-6, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('on the Responses API, is reserved one sampling more than its tool calls, sent as their limit', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: SAMPLINGS * PROMPT, output_tokens: 1000 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'find15r', key: k('find15r'), budget: { usd: 0.2, period: 'day' } }],
      catalog: CATALOG,
      providers: [mockProvider('oa', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const body = {
        model: 'm',
        max_output_tokens: 1000,
        tools: [
          { type: 'tool_search' },
          ...DEFERRED.map((t) => ({ type: 'function', ...t, parameters: { type: 'object' } })),
        ],
        input: messages,
      };
      // Was 200, sent 1 with no max_tool_calls: one sampling reserved, six charged ($0.195).
      const refused = await spendOn(setup, up, 'find15r', '/v1/responses', body);
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 402, sent: 0 });
      // Three calls at most: four samplings ($0.135) fit, and the upstream is sent the limit as asked.
      const served = await spendOn(setup, up, 'find15r', '/v1/responses', { ...body, max_tool_calls: 3 });
      expect(served.status, served.message).toBe(200);
      expect(up.received[0]!.body.max_tool_calls).toBe(3);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('a request with no tool search and the same tools is reserved one sampling: it fits the budget', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: PROMPT, output_tokens: 1000 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'find15c', key: k('find15c'), budget: { usd: 0.1, period: 'day' } }],
      catalog: CATALOG,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const tools = DEFERRED.map(({ defer_loading: _, ...t }) => ({ ...t, input_schema: { type: 'object' } }));
      const spent = await spendOn(setup, up, 'find15c', '/v1/messages', {
        model: 'm',
        max_tokens: 1000,
        tools,
        messages,
      });
      expect(spent.status, spent.message).toBe(200);
      expect(spent.spentUsd).toBeCloseTo(PROMPT * 3e-6 + 1000 * 15e-6, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
