/**
 * Rule-bypass probes, ninth pass: ways around a rule that held. Each assertion fails if its rule
 * breaks. The holes this pass closed are in rule-bypass-9-closed-*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, budgeted, geminiAt, k, responsesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';

const CACHE = 'cachedContents/another-tenants-cache';

describe("a Gemini cached content named to the Gemini provider (the upstream account's, not the key's)", () => {
  it('is dropped with a warning: the generateContent request names no cached content', async () => {
    const up = await startScriptedUpstream((body) => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
      modelVersion: 'gemini-2.5-flash',
      echo: Object.keys(body),
    }));
    const { gw } = await budgeted({
      keys: [{ name: 'gc', key: k('gc'), budget: { usd: 1, period: 'day' } }],
      catalog: { 'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576 } },
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    try {
      for (const named of [
        { extra_body: { google: { cached_content: CACHE } } },
        { cached_content: CACHE },
        { cachedContent: CACHE },
      ]) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('gc'), {
          model: 'gemini-2.5-flash',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'what does the document say?' }],
          ...named,
        });
        expect(res.status, res.text).toBe(200);
        expect(res.headers['x-switchyard-warnings']).toContain(`${Object.keys(named)[0]} has no Gemini equivalent`);
      }
      expect(up.received).toHaveLength(3);
      for (const { body } of up.received) {
        expect(JSON.stringify(body)).not.toContain(CACHE);
        expect(Object.keys(body).sort()).toEqual(['contents', 'generationConfig']);
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a Cloud Storage URI (gs://) as an image or file part', () => {
  it("reaches no Gemini upstream, which would read it with the gateway's own Google credentials", async () => {
    const up = await startScriptedUpstream(() => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
      modelVersion: 'gemini-2.5-flash',
    }));
    const { gw } = await budgeted({
      keys: [{ name: 'gs', key: k('gs'), budget: { usd: 1, period: 'day' } }],
      catalog: { 'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576 } },
      providers: [geminiAt(up.baseUrl, 'gemini-2.5-flash')],
    });
    const uri = 'gs://operator-private-bucket/payroll.pdf';
    try {
      for (const part of [
        { type: 'image_url', image_url: { url: uri } },
        { type: 'file', file: { file_data: uri } },
      ]) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('gs'), {
          model: 'gemini-2.5-flash',
          max_tokens: 10,
          messages: [{ role: 'user', content: [{ type: 'text', text: 'what does it say?' }, part] }],
        });
        expect(res.status, res.text).toBe(200);
        expect(res.headers['x-switchyard-warnings']).toContain('dropped');
      }
      expect(up.received).toHaveLength(2);
      for (const { body } of up.received) expect(JSON.stringify(body)).not.toContain('gs://');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe("a web search with search_context_size: 'high'", () => {
  it('cannot be billed past its reservation: input is reserved up to the window, each search at its fee', async () => {
    // The search's content is input the upstream reads (up to the window, 200,000 tokens at $3 per
    // 1M: $0.60, at each of 11 samplings: $6.60), its calls a flat fee ($10 per 1,000; ten assumed
    // and sent as max_tool_calls: $0.10).
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(
        body.model,
        [{ type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'news' } }],
        { input_tokens: 199_000, output_tokens: 100 },
      ),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'hi', key: k('hi'), budget: { usd: 6.75, period: 'day' } }],
      catalog: {
        m: { pricing: { input: 3, output: 15, webSearch: 10 }, contextWindow: 200_000, maxOutputTokens: 4000 },
      },
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    const ask = {
      model: 'm',
      max_output_tokens: 100,
      input: 'what happened today?',
      tools: [{ type: 'web_search', search_context_size: 'high' }],
    };
    try {
      const first = await call(`${gw.url}/v1/responses`, k('hi'), ask);
      expect(first.status, first.text).toBe(200);
      expect(up.received[0]!.body.tools).toEqual(ask.tools);
      await finished.next();
      // 199,000 input and 100 output tokens, one search: $0.597 + $0.0015 + $0.01.
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'hi');
      expect(spentUsd).toBeCloseTo(0.597 + 0.0015 + 0.01, 9);
      // What is left ($6.14) holds no second reservation ($6.7015): refused before the upstream.
      const second = await call(`${gw.url}/v1/responses`, k('hi'), ask);
      expect({ status: second.status, sent: up.received.length }).toEqual({ status: 402, sent: 1 });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
