/**
 * Rule-bypass probes, eleventh pass: ways around a rule that held. Each assertion fails if its rule
 * breaks. The holes this pass closed are in rule-bypass-11-closed-*.test.ts (Anthropic usage
 * iterations outside the top-level counts, and the advisor tool at admission; PDF page trees
 * written with comments between tokens; URLs of the upstream account's Gemini files).
 */
import { pdfPages } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { anthropicAt, budgeted, k, messagesAnswer, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

/** $3 / $15 per 1M tokens on `m`. */
const catalog = { m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 } };
const ask = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'carry on' }] };

describe('usage iterations an upstream reports', () => {
  it('lower no charge: counts that are negative or not numbers add nothing, and `message` iterations are not counted twice', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, {
        input_tokens: 1000,
        output_tokens: 100,
        iterations: [
          { type: 'message', input_tokens: 1000, output_tokens: 100 },
          { type: 'compaction', input_tokens: -500_000, output_tokens: 'many' },
          { type: 'advisor_message', input_tokens: Number.NaN, output_tokens: null },
          null,
          'compaction',
        ],
      }),
    );
    const setup = await budgeted({
      keys: [{ name: 'neg11', key: k('neg11'), budget: { usd: 5, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const res = await spendOn(setup, up, 'neg11', '/v1/messages', ask);
      expect(res).toMatchObject({ status: 200, sent: 1 });
      // The answer's own 1,000 input and 100 output tokens: $0.0045, no less and no more.
      expect(res.spentUsd).toBeCloseTo(0.0045, 9);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe("Anthropic's advisor tool sent by a Chat caller to an Anthropic upstream", () => {
  it('is refused to a budgeted key under unpriced: deny, as on /v1/messages', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 10, output_tokens: 1 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'chadv11', key: k('chadv11'), budget: { usd: 5, period: 'day' } }],
      catalog,
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const res = await call(`${setup.gw.url}/v1/chat/completions`, k('chadv11'), {
        ...ask,
        tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-6' }],
      });
      expect({ status: res.status, sent: up.received.length }).toEqual({ status: 400, sent: 0 });
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('a PDF page tree written with other spellings a reader takes', () => {
  it('names in #xx escapes, comments between a name and its value, CR line ends: every page counted', () => {
    const pages = 40;
    const kids = Array.from({ length: pages }, (_, i) => `${i + 3}\r0\rR`).join('\r');
    let pdf = '%PDF-1.5\r1 0 obj<</Type/Catalog/P#61ges %root\r2 0 R>>endobj\r';
    pdf += `2 0 obj<</Type/Pages/C#6funt 1/K#69ds %kids\r[${kids}]>>endobj\r`;
    for (let i = 0; i < pages; i++) pdf += `${i + 3} 0 obj<</Parent 2 0 R>>endobj\r`;
    pdf += 'trailer<</R#6f#6ft 1 0 R>>\r%%EOF\r';
    expect(pdfPages(Buffer.from(pdf, 'latin1').toString('base64'))).toBe(pages);
  });
});
