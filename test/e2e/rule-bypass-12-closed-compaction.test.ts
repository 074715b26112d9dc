/**
 * A hole the twelfth rule-bypass pass closed: Anthropic's server-side compaction
 * (`context_management` with a `compact_*` edit) is a sampling of its own before the answer: the
 * model reads the whole prompt and writes a summary, then answers, and both are billed
 * (`usage.iterations`, counted at settlement since the eleventh pass). Budgets and rate limits
 * reserved one reading of the prompt: a request of 60,000 prompt tokens was reserved $0.18 against a
 * $0.30 budget and settled at $0.35; two such requests ran at once under a 150,000 tokens-per-minute
 * limit, using some 240,000. The prompt and the output limit are reserved twice now. Each case
 * failed before the fix (the comments say how).
 */
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { mockProvider } from '../support/gateway.js';

/** Some 60,000 tokens of prompt (4 characters a token). */
const LONG = 'a '.repeat(120_000);
const COMPACT = { context_management: { edits: [{ type: 'compact_20260112' }] } };

describe('a request compacting its context server-side', () => {
  it('is reserved two readings of its prompt against a budget: refused where they do not fit', async () => {
    // The compaction reads the 60,000 tokens and writes 3,000; the answer reads 40,000 and writes 100.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        input_tokens: 40_000,
        output_tokens: 100,
        iterations: [
          { type: 'compaction', input_tokens: 60_000, output_tokens: 3000 },
          { type: 'message', input_tokens: 40_000, output_tokens: 100 },
        ],
      }),
    );
    const setup = await budgeted({
      keys: [{ name: 'cmp12', key: k('cmp12'), budget: { usd: 0.3, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const body = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: LONG }], ...COMPACT };
      const refused = await spendOn(setup, up, 'cmp12', '/v1/messages', body);
      // Was 200 (sent 1): $0.18 reserved, $0.35 spent of the $0.30 budget.
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 402,
        sent: 0,
        spentUsd: 0,
      });
      // Without the compaction it fits.
      const { context_management: _, ...plain } = body;
      expect(await spendOn(setup, up, 'cmp12', '/v1/messages', plain)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('is counted two readings of its prompt against tokens per minute at admission', async () => {
    const up = await startGatedUpstream(() => ({ prompt_tokens: 120_000, completion_tokens: 100 }));
    const setup = await budgeted({
      keys: [{ name: 'tpm12', key: k('tpm12'), limits: { tokensPerMinute: 150_000 } }],
      catalog: { m: { contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const body = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: LONG }], ...COMPACT };
      const first = call(`${setup.gw.url}/v1/chat/completions`, k('tpm12'), body);
      await up.waitForReceived(1);
      const second = await call(`${setup.gw.url}/v1/chat/completions`, k('tpm12'), body);
      // Was 200 (both admitted at some 60,000 tokens each).
      expect({ status: second.status, received: up.received }).toEqual({ status: 429, received: 1 });
      up.open();
      expect((await first).status).toBe(200);
    } finally {
      up.open();
      await setup.gw.close();
      await up.stop();
    }
  });
});
