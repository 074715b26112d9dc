/**
 * Ways around a budget the fifth rule-bypass pass found through what a request does not show the
 * reservation (a stored prompt, an output limit left unset, tool results read as input), closed.
 * Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

describe('a Responses stored prompt (`prompt: { id }`) passed through', () => {
  // Was: `prompt` names a prompt template kept by the upstream (OpenAI's stored prompts), which
  // puts its instructions and messages in front of the input and bills them. The gateway passed
  // it through and reserved only what it saw: a template of 200,000 tokens spent $2 on a $0.05
  // budget in one request. Now refused, as `conversation` and `background` are.
  it('a budgeted key cannot spend past its budget through a stored prompt', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: body.prompt ? 200_000 : 10, output_tokens: 10 }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'p', key: k('p'), budget: { usd: 0.05, period: 'day' } }],
      catalog: { m: { pricing: { input: 10, output: 10 }, maxOutputTokens: 4000, contextWindow: 400_000 } },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('p'), {
        model: 'm',
        prompt: { id: 'pmpt_0123456789', version: '2' },
        input: 'hi',
        max_output_tokens: 100,
      });
      if (res.status === 200) await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'p');
      expect({ status: res.status, param: res.json?.error?.param, sent: up.received.length, spentUsd }).toEqual({
        status: 400,
        param: 'prompt',
        sent: 0,
        spentUsd: 0,
      });
      expect(res.json.error.message).toMatch(/stored prompts are not served by the gateway/);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a request without max_tokens, reserved at less than the upstream may write', () => {
  // Was: a request that sets no max_tokens is reserved `reserveOutputTokens`, else the model's
  // maxOutputTokens, else 4096 output tokens, but the upstream was sent no limit at all: it wrote
  // up to its own maximum and all of it was charged. With a catalog price but no
  // maxOutputTokens, $0.041 reserved and $0.16 spent of a $0.05 budget; with
  // `reserveOutputTokens: 500`, $0.005 reserved and $0.04 spent of $0.01. Now the upstream is
  // sent what was reserved.
  it.each([
    [
      'a model whose output limit the catalog does not say',
      {},
      { pricing: { input: 0, output: 10 } },
      0.05,
      16_000,
      4096,
    ],
    [
      'budgets.reserveOutputTokens below the model limit',
      { reserveOutputTokens: 500 },
      { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
      0.01,
      4000,
      500,
    ],
  ] as const)('%s: the upstream is held to what was reserved', async (_, options, info, usd, writes, reserved) => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, {
        prompt_tokens: 10,
        completion_tokens: Math.min(writes, body.max_completion_tokens ?? body.max_tokens ?? writes),
      }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'o', key: k('o'), budget: { usd, period: 'day' } }],
      catalog: { m: info },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
      budgets: options,
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('o'), {
        model: 'm',
        messages: [{ role: 'user', content: 'write as much as you can' }],
      });
      if (res.status === 200) await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'o');
      expect({ status: res.status, sent: up.received[0]?.body.max_tokens, spentUsd }).toEqual({
        status: 200,
        sent: reserved,
        spentUsd: (reserved * 10) / 1e6,
      });
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it.each([
    ['passed through to a Responses upstream', true, 'max_output_tokens'],
    ['converted for a Chat Completions upstream', false, 'max_completion_tokens'],
  ] as const)('a Responses request %s is held to what was reserved', async (_, responsesApi, field) => {
    const up = await startScriptedUpstream((body, path) => {
      const tokens = Math.min(
        16_000,
        body.max_output_tokens ?? body.max_completion_tokens ?? body.max_tokens ?? 16_000,
      );
      return path.endsWith('/responses')
        ? responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: tokens })
        : chatAnswer(body.model, { prompt_tokens: 10, completion_tokens: tokens });
    });
    const { gw, finished } = await budgeted({
      keys: [{ name: 'ro', key: k('ro'), budget: { usd: 0.05, period: 'day' } }],
      catalog: { m: { pricing: { input: 0, output: 10 } } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'], responsesApi })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('ro'), { model: 'm', input: 'write as much as you can' });
      if (res.status === 200) await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'ro');
      const sent = up.received[0]?.body ?? {};
      expect({
        status: res.status,
        sent: sent.max_output_tokens ?? sent.max_completion_tokens ?? sent.max_tokens,
      }).toEqual({
        status: 200,
        sent: 4096,
      });
      expect(Object.keys(sent)).toContain(field);
      expect(spentUsd).toBeCloseTo(0.04096, 10);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('server tools whose results the upstream reads as input', () => {
  // Was: Anthropic's server tools put what they bring back into the model's input, billed as input
  // tokens (a web_search's results, a web_fetch's whole page or PDF, an MCP server's tool results);
  // the reservation counted only the prompt the caller sent: a one-line prompt offering web_fetch
  // was reserved about $0.0016 and billed 100,000 input tokens, $0.30, on a $0.05 budget. Now
  // input is reserved up to the model's context window; without one the target counts as unpriced.
  const tools = [
    ['web_fetch', { tools: [{ type: 'web_fetch_20250910', name: 'web_fetch', max_uses: 1 }] }],
    ['web_search', { tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }] }],
    ['mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example.invalid/sse', name: 'docs' }] }],
  ] as const;

  async function offer(extra: object, contextWindow?: number) {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        // What the tool brought back is input; without the tool, the prompt alone.
        input_tokens: body.tools || body.mcp_servers ? 100_000 : 20,
        output_tokens: 100,
        ...(body.tools?.[0]?.name === 'web_search' ? { server_tool_use: { web_search_requests: 1 } } : {}),
      }),
    );
    const gateway = await budgeted({
      keys: [{ name: 'st', key: k('st'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        m: {
          pricing: { input: 3, output: 15, webSearch: 10 },
          maxOutputTokens: 4000,
          ...(contextWindow ? { contextWindow } : {}),
        },
      },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      return await spendOn(gateway, up, 'st', '/v1/messages', {
        model: 'm',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'read https://example.invalid/report.pdf and sum it up' }],
        ...extra,
      });
    } finally {
      await gateway.gw.close();
      await up.close();
    }
  }

  it.each(tools)('%s, on a model whose context window is unknown: refused as unpriced', async (_, extra) => {
    const seen = await offer(extra);
    expect(seen).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
    expect(seen.message).toMatch(/no context window known for .*catalog: contextWindow/);
  });

  it.each(tools)('%s: input reserved up to the context window does not fit the budget (402)', async (_, extra) => {
    expect(await offer(extra, 200_000)).toMatchObject({ status: 402, sent: 0, spentUsd: 0 });
  });

  it('a Responses web_search tool: input reserved up to the context window does not fit the budget (402)', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: body.tools ? 100_000 : 10, output_tokens: 10 }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'rs', key: k('rs'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        m: { pricing: { input: 3, output: 15, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 200_000 },
      },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      const res = await call(`${gw.url}/v1/responses`, k('rs'), {
        model: 'm',
        input: 'what happened today?',
        tools: [{ type: 'web_search' }],
        max_output_tokens: 100,
      });
      if (res.status === 200) await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'rs');
      expect({ status: res.status, sent: up.received.length, spentUsd }).toEqual({ status: 402, sent: 0, spentUsd: 0 });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
