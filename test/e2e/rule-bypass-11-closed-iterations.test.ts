/**
 * A hole the eleventh rule-bypass pass closed: Anthropic reports what a request ran beside its
 * answer's own sampling in `usage.iterations`, outside the top-level counts, which are the `message`
 * iterations' only: a server-side `compaction` of the context (`context_management`, which Claude
 * Code sends), or an `advisor_message` of the advisor tool (`advisor_20260301`: another model reads
 * the whole transcript). Both are billed. The gateway read the top-level counts alone: a request
 * whose compaction read 180,000 tokens settled at the answer's 1,100 tokens per minute and was
 * charged $0.0045 of its $0.5895; an advised request passed a budget charged at the executor's
 * tokens only. Tokens per minute and budgets now count every iteration; the advisor tool, whose
 * tokens are billed at another model's price, is an unpriced fee for a budgeted key (refused under
 * `unpriced: deny`, its tokens charged at the request model's price under `free`). Each case failed
 * before the fix (the comments say how).
 */
import { describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { call } from '../support/rule-probes.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** The answer's own sampling: what the top-level counts hold. */
const ANSWER = { type: 'message', input_tokens: 1000, output_tokens: 100 };
/** A compaction of a long context: 180,000 tokens read, a 3,000-token summary written. */
const COMPACTION = { type: 'compaction', input_tokens: 180_000, output_tokens: 3000 };
/** An advisor's reading of the transcript at its own model. */
const ADVICE = { type: 'advisor_message', model: 'claude-opus-4-6', input_tokens: 60_000, output_tokens: 1500 };

/** An Anthropic upstream whose answers' top-level usage is ANSWER's, with `iterations` beside it. */
async function upstreamReporting(iterations: object[]) {
  return startScriptedUpstream((body) =>
    messagesAnswer(body.model, { input_tokens: 1000, output_tokens: 100, iterations }),
  );
}

const ask = { role: 'user', content: 'carry on with the refactor' };
const compacted = {
  model: 'm',
  max_tokens: 100,
  messages: [ask],
  context_management: { edits: [{ type: 'compact_20260112' }] },
};
const advised = {
  model: 'm',
  max_tokens: 100,
  messages: [ask],
  tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-6' }],
};
const chatCompacted = { model: 'm', max_tokens: 100, messages: [ask] };

describe('iterations beside the top-level usage, against tokens per minute', () => {
  /**
   * Each case's limit: over what its first request counts at admission (a request offering the
   * advisor counts the 200,000-token window), under that and what its iterations used.
   */
  const CASES: Array<[label: string, iterations: object[], path: string, body: object, limit: number]> = [
    ['a compaction (Messages)', [COMPACTION, ANSWER], '/v1/messages', compacted, 50_000],
    ['an advisor (Messages)', [ANSWER, ADVICE], '/v1/messages', advised, 250_000],
    [
      'a compaction (a Chat caller served by Anthropic)',
      [COMPACTION, ANSWER],
      '/v1/chat/completions',
      chatCompacted,
      50_000,
    ],
  ];
  for (const [label, iterations, path, body, limit] of CASES)
    it(`${label}: counted, so the next request of the minute is refused`, async () => {
      const up = await upstreamReporting(iterations);
      const setup = await budgeted({
        keys: [{ name: 'it11', key: k('it11'), limits: { tokensPerMinute: limit } }],
        catalog: { m: { contextWindow: 200_000, maxOutputTokens: 4000 } },
        providers: [anthropicAt(up.baseUrl)],
      });
      try {
        expect(await spendOn(setup, up, 'it11', path, body)).toMatchObject({ status: 200, sent: 1 });
        // Was 200 (sent: 2): the first settled at 1,100 tokens, not the 60,000+ its iterations used.
        const next = await spendOn(setup, up, 'it11', path, body);
        expect({ status: next.status, sent: next.sent }).toEqual({ status: 429, sent: 1 });
      } finally {
        await setup.gw.close();
        await up.close();
      }
    });
});

describe('iterations beside the top-level usage, against a budget', () => {
  /** $3 / $15 per 1M tokens on `m`. */
  const catalog = { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } };

  it('a compaction is charged what it read and wrote', async () => {
    const up = await upstreamReporting([COMPACTION, ANSWER]);
    const setup = await budgeted({
      keys: [{ name: 'cmp11', key: k('cmp11'), budget: { usd: 5, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const res = await spendOn(setup, up, 'cmp11', '/v1/messages', compacted);
      // 181,000 input and 3,100 output tokens: $0.543 + $0.0465. Was $0.0045, the answer's alone.
      expect(res).toMatchObject({ status: 200, sent: 1 });
      expect(res.spentUsd).toBeCloseTo(0.5895, 6);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  it('an advisor model of no known price is refused to a budgeted key under unpriced: deny; under free its tokens are charged', async () => {
    const up = await upstreamReporting([ANSWER, ADVICE]);
    const setup = await budgeted({
      keys: [{ name: 'adv11', key: k('adv11'), budget: { usd: 5, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    const free = await budgeted({
      // Room for the reservation: m's window, and three advisor calls (no max_uses) at m's price.
      keys: [{ name: 'advf11', key: k('advf11'), budget: { usd: 20, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
      budgets: { unpriced: 'free' },
    });
    try {
      // Was 200, charged $0.0045 for the executor while Opus read 60,000 tokens at its own price.
      const refused = await spendOn(setup, up, 'adv11', '/v1/messages', advised);
      expect({ status: refused.status, sent: refused.sent, spentUsd: refused.spentUsd }).toEqual({
        status: 400,
        sent: 0,
        spentUsd: 0,
      });
      expect(refused.message).toContain('advisor_20260301 tool');
      // Under free: the advisor's 61,500 tokens count at m's price beside the answer's: $0.207 (was $0.0045).
      // (An advisor model with a price is charged at it: advisor-pricing.test.ts.)
      const res = await spendOn(free, up, 'advf11', '/v1/messages', advised);
      expect(res).toMatchObject({ status: 200, sent: 1 });
      expect(res.spentUsd).toBeCloseTo((61_000 * 3 + 1600 * 15) / 1e6, 6);
    } finally {
      await setup.gw.close();
      await free.gw.close();
      await up.close();
    }
  });
});

describe("the advisor's tokens as Anthropic reports them, streamed or not", () => {
  for (const [label, path, stream] of [
    ['a Messages answer', '/v1/messages', false],
    ['a Messages stream', '/v1/messages', true],
  ] as const)
    it(`${label}: counted per minute, so the next request of the minute is refused`, async () => {
      const ant = await startMockAnthropic({ name: 'ant' });
      const { gw, finished } = await budgeted({
        keys: [{ name: 'mock11', key: k('mock11'), limits: { tokensPerMinute: 250_000 } }],
        catalog: { 'claude-sonnet-4-6': { contextWindow: 200_000, maxOutputTokens: 64_000 } },
        providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-test-credential' }],
      });
      // Admitted at the window (200,000 tokens and the output, under the 250,000 limit); the advisor
      // writes 60,000 tokens (its thinking included) beside the executor's short answer.
      ant.setAnswerer(() => ({ text: 'done', advisor: { text: 'split the module first', outputTokens: 60_000 } }));
      const body = {
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        stream,
        messages: [{ role: 'user', content: 'plan the refactor' }],
        tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-6' }],
      };
      const headers = { headers: { 'anthropic-beta': 'advisor-tool-2026-03-01' } };
      try {
        const first = await call(`${gw.url}${path}`, k('mock11'), body, headers);
        expect(first.status, first.text).toBe(200);
        await finished.next();
        // Was 200 (two requests upstream): the first settled at the executor's few tokens.
        const next = await call(`${gw.url}${path}`, k('mock11'), body, headers);
        expect({ status: next.status, sent: ant.requests.length }).toEqual({ status: 429, sent: 1 });
      } finally {
        await gw.close();
        await ant.close();
      }
    });
});

describe('a request offering the advisor tool, at admission', () => {
  it('counts the context window per minute, as other tools whose results are read as input: it runs alone in its minute', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'adm11', key: k('adm11'), limits: { tokensPerMinute: 100_000 } }],
      catalog: { m: { contextWindow: 200_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // The advisor reads the whole transcript at each call, as many as the answer makes: a burst
      // admitted at the prompt's few tokens overran the minute once settled.
      expect(await spendOn(setup, up, 'adm11', '/v1/messages', advised)).toMatchObject({ status: 200, sent: 1 });
      // Was 200 (sent: 2): counted at its short prompt.
      const next = await spendOn(setup, up, 'adm11', '/v1/messages', advised);
      expect({ status: next.status, sent: next.sent }).toEqual({ status: 429, sent: 1 });
      expect(next.message).toContain("may read up to its model's context window");
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});
