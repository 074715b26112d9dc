/**
 * A hole the fifteenth rule-bypass pass closed: a JSON schema the upstream reads as prompt (a
 * Chat `response_format`, a Responses `text.format`, a Messages `output_config.format`, tool
 * parameters) was reserved by its strings only: its property names (object keys), its enum
 * numbers and anything nested more than 64 levels deep were left out of the estimate (and the
 * converted request counts no response format). A schema with a 400,000-character property name
 * (about 100,000 tokens, $1.00 here) was reserved as a few tokens: a $0.15 budget ran it, and as
 * many more in parallel. The estimate (plugin-models' bodyTokens) now counts a schema's property
 * names and numbers, and walks a body however deep. Every case but the last failed before the fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import {
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

/** The upstream bills every character it is sent at four a token, schema included. */
const billed = (body: unknown) => Math.ceil(JSON.stringify(body).length / 4);

function startBilling() {
  return startScriptedUpstream((body, path) => {
    const input = billed(body);
    if (path.endsWith('/responses')) return responsesAnswer(body.model, [], { input_tokens: input, output_tokens: 1 });
    if (path.endsWith('/messages')) return messagesAnswer(body.model, { input_tokens: input, output_tokens: 1 });
    return chatAnswer(body.model, { prompt_tokens: input, completion_tokens: 1 });
  });
}

const NAME = 'n'.repeat(400_000);
const named = { type: 'object', properties: { [NAME]: { type: 'string' } } };
/** A schema nesting `levels` objects, a long description at the bottom. */
function nested(levels: number): unknown {
  let schema: unknown = { type: 'string', description: 'd'.repeat(400_000) };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}
const numbers = { type: 'integer', enum: Array.from({ length: 60_000 }, (_, i) => 100_000 + i) };
const messages = [{ role: 'user', content: 'hi' }];

const cases: Array<[string, string, boolean, unknown]> = [
  [
    'a Chat response_format with a long property name',
    '/v1/chat/completions',
    false,
    {
      model: 'm',
      max_tokens: 1,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: named } },
    },
  ],
  [
    'a Chat response_format nested 40 levels deep',
    '/v1/chat/completions',
    false,
    {
      model: 'm',
      max_tokens: 1,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: nested(40) } },
    },
  ],
  [
    'a Chat response_format enum of 60,000 numbers',
    '/v1/chat/completions',
    false,
    {
      model: 'm',
      max_tokens: 1,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: numbers } },
    },
  ],
  [
    'a Responses text.format with a long property name',
    '/v1/responses',
    false,
    {
      model: 'm',
      max_output_tokens: 16,
      input: 'hi',
      text: { format: { type: 'json_schema', name: 'r', schema: named } },
    },
  ],
  [
    'a Messages output_config.format with a long property name',
    '/v1/messages',
    true,
    { model: 'm', max_tokens: 1, messages, output_config: { format: { type: 'json_schema', schema: named } } },
  ],
];

async function spend(label: string, path: string, anthropic: boolean, body: unknown) {
  const up = await startBilling();
  const setup = await budgeted({
    // Room for 15,000 input tokens.
    keys: [{ name: 'schema15', key: k('schema15'), budget: { usd: 0.15, period: 'day' } }],
    catalog: { m: { pricing: { input: 10, output: 0 }, maxOutputTokens: 4000, contextWindow: 400_000 } },
    providers: [anthropic ? anthropicAt(up.baseUrl) : mockProvider('u', up.baseUrl, { models: ['m'] })],
  });
  try {
    return await spendOn(setup, up, 'schema15', path, body);
  } finally {
    await setup.gw.close();
    await up.close();
  }
}

describe('a JSON schema the upstream reads as prompt, against a budget', () => {
  for (const [label, path, anthropic, body] of cases)
    it(`${label}: reserved by all of it, refused before the upstream`, async () => {
      const spent = await spend(label, path, anthropic, body);
      expect({ status: spent.status, sent: spent.sent, spentUsd: spent.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
    });

  it('a schema that fits the budget still runs, charged what the upstream bills', async () => {
    const schema = { type: 'object', properties: { ['p'.repeat(20_000)]: { type: 'string' } } };
    const body = {
      model: 'm',
      max_tokens: 1,
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema } },
    };
    const spent = await spend('fits', '/v1/chat/completions', false, body);
    expect(spent.status, spent.message).toBe(200);
    expect(spent.spentUsd).toBeGreaterThan(0.05);
    expect(spent.spentUsd).toBeLessThanOrEqual(0.15);
  });
});
