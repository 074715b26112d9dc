/**
 * Hosted tools a budget did not see, found by the eighth rule-bypass pass, closed:
 * - tools whose results the upstream reads as input, that a budget with `unpriced: free` reserved
 *   at the prompt alone: a Responses `file_search` (the chunks it retrieves) or `code_interpreter`
 *   (what the code printed), an Anthropic `code_execution` (its stdout and files). With `unpriced:
 *   deny` these tools are refused for a budgeted key (their fee has no price); with `free` the fee
 *   counts as nothing, but the input they bring back is billed at the model's input price;
 * - the Responses `shell` tool run in a hosted container (`environment: container_auto` or
 *   `container_reference`), billed by container like `code_interpreter`, which passed a budget
 *   with the default `unpriced: deny` as if it were the local shell the caller runs itself.
 * Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import {
  anthropicAt,
  budgeted,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

describe('hosted tools whose results are read as input, with unpriced: free', () => {
  // Was: reserved at the one-line prompt and 100 output tokens, some $0.0016, which a $0.05 budget
  // holds; the upstream read 100,000 tokens of tool results as input, billed $0.30 at $3 per 1M.
  // Now input is reserved up to the context window, as for web_search and web_fetch: a 402.
  it.each([
    ['Responses file_search', '/v1/responses', { type: 'file_search', vector_store_ids: ['vs_1'] }],
    ['Responses code_interpreter', '/v1/responses', { type: 'code_interpreter', container: { type: 'auto' } }],
    ['Messages code_execution', '/v1/messages', { type: 'code_execution_20250825', name: 'code_execution' }],
  ] as const)('%s: input reserved up to the context window does not fit the budget (402)', async (_, path, tool) => {
    const messages = path === '/v1/messages';
    const usage = (body: any) => (body.tools ? 100_000 : 10);
    const up = await startScriptedUpstream((body) =>
      messages
        ? messagesAnswer(body.model, { input_tokens: usage(body), output_tokens: 100 })
        : responsesAnswer(body.model, [], { input_tokens: usage(body), output_tokens: 100 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'ht', key: k('ht'), budget: { usd: 0.05, period: 'day' }, accountObjects: ['*'] }],
      catalog: { m: { pricing: { input: 3, output: 15 }, maxOutputTokens: 4000, contextWindow: 200_000 } },
      providers: [
        messages ? anthropicAt(up.baseUrl) : mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true }),
      ],
      budgets: { unpriced: 'free' },
    });
    try {
      const body = messages
        ? { model: 'm', max_tokens: 100, tools: [tool], messages: [{ role: 'user', content: 'sum up the report' }] }
        : { model: 'm', max_output_tokens: 100, tools: [tool], input: 'sum up the report' };
      expect(await spendOn(setup, up, 'ht', path, body)).toMatchObject({ status: 402, sent: 0, spentUsd: 0 });
      // Without the tool the same prompt fits.
      const plain = { ...body, tools: undefined };
      expect(await spendOn(setup, up, 'ht', path, plain)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('the Responses shell tool in a hosted container', () => {
  // Was: a `shell` tool with a hosted environment passed a budgeted key with unpriced: deny, its
  // container fee charged nothing and what its commands printed (read as input) not reserved:
  // the answer's 100,000 input tokens spent $0.30 on a $0.05 budget.
  it.each([
    ['container_auto', { type: 'container_auto' }],
    ['container_reference', { type: 'container_reference', container_id: 'cntr_0123' }],
  ] as const)('%s: refused for a budgeted key as unpriced, before the upstream', async (_, environment) => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: body.tools ? 100_000 : 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'sh', key: k('sh'), budget: { usd: 0.05, period: 'day' } },
        { name: 'free', key: k('free') },
      ],
      catalog: { m: { pricing: { input: 3, output: 15 }, maxOutputTokens: 4000, contextWindow: 200_000 } },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    const body = {
      model: 'm',
      max_output_tokens: 100,
      input: 'list the files',
      tools: [{ type: 'shell', environment }],
    };
    try {
      const seen = await spendOn(setup, up, 'sh', '/v1/responses', body);
      expect(seen).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
      // A container it names is refused first when it is not the key's own (rule-bypass-8-closed-shell).
      expect(seen.message).toMatch(
        environment.type === 'container_auto'
          ? /no price known for the shell tool/
          : /no price known for the shell tool|not found/,
      );
      // A key without a budget is not held to prices (a container it names must be its own).
      const own = { ...body, tools: [{ type: 'shell', environment: { type: 'container_auto' } }] };
      expect((await call(`${setup.gw.url}/v1/responses`, k('free'), own)).status).toBe(200);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('the local shell, which the caller runs itself, passes a budget it fits', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'sh', key: k('sh'), budget: { usd: 0.05, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, maxOutputTokens: 4000, contextWindow: 200_000 } },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    try {
      for (const tool of [{ type: 'shell' }, { type: 'shell', environment: { type: 'local' } }]) {
        const body = { model: 'm', max_output_tokens: 100, input: 'list the files', tools: [tool] };
        expect((await spendOn(setup, up, 'sh', '/v1/responses', body)).status, JSON.stringify(tool)).toBe(200);
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
