/**
 * Answers an upstream gave, and bills, that the gateway could not use, found by the seventh
 * rule-bypass pass, closed: a Gemini answer finished with MALFORMED_FUNCTION_CALL (its thinking
 * and prompt billed) is a failed attempt, and was charged nothing to the budget and counted no
 * tokens per minute. Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { ADMIN, budgeted, geminiAt, k, listening } from '../support/rule-probes-5.js';
import { budgetOf } from '../support/rule-probes.js';

const MODEL = 'gemini-2.5-pro';
/** What the upstream bills each answer: 5 prompt tokens, 20,000 thinking tokens ($0.20 at $10 per 1M output). */
const BILLED_USD = (5 * 1.25 + 20_000 * 10) / 1e6;

const malformed = {
  candidates: [
    {
      content: { role: 'model', parts: [] },
      finishReason: 'MALFORMED_FUNCTION_CALL',
      finishMessage: 'Malformed function call',
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 0, thoughtsTokenCount: 20_000, totalTokenCount: 20_005 },
  modelVersion: MODEL,
};
const answeredOk = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 10, totalTokenCount: 15 },
  modelVersion: MODEL,
};

/** A Gemini upstream answering every generateContent with `answer`, as JSON or as one SSE event. */
async function geminiUpstream(answer: unknown) {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.url ?? '');
      if (req.url?.includes(':streamGenerateContent')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      }
    });
  });
  return { ...(await listening(server)), received };
}

const ask = (stream: boolean) => ({
  model: MODEL,
  stream,
  max_tokens: 20_000,
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
});
const catalog = { [MODEL]: { pricing: { input: 1.25, output: 10 }, maxOutputTokens: 30_000 } };

describe('a Gemini answer finished with MALFORMED_FUNCTION_CALL', () => {
  for (const stream of [false, true]) {
    it(`${stream ? 'streamed' : 'whole'}: charged to the budget and counted per minute as the upstream bills it`, async () => {
      const up = await geminiUpstream(malformed);
      const { gw, finished } = await budgeted({
        keys: [{ name: 'g', key: k('g'), budget: { usd: 1, period: 'day' }, limits: { tokensPerMinute: 100_000 } }],
        catalog,
        providers: [geminiAt(up.baseUrl, MODEL)],
      });
      try {
        const res = await call(`${gw.url}/v1/chat/completions`, k('g'), ask(stream));
        expect(res.status).toBe(502);
        expect(up.received).toHaveLength(1);
        await finished.next();
        // Was $0 and 0 tokens: the upstream billed 20,005 tokens, $0.20.
        expect((await budgetOf(gw.url, ADMIN, 'g')).spentUsd).toBeGreaterThanOrEqual(BILLED_USD);
        const limits = (await call(`${gw.url}/admin/rate-limit/keys/g`, ADMIN)).json;
        expect(limits.tokens.used).toBeGreaterThanOrEqual(20_005);
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }

  it('a failover after it holds the next attempt too: a budget with room for one ends it with a 402', async () => {
    const first = await geminiUpstream(malformed);
    const second = await geminiUpstream(answeredOk);
    const { gw, finished } = await budgeted({
      keys: [{ name: 'g', key: k('g'), budget: { usd: 0.3, period: 'day' } }],
      catalog,
      providers: [geminiAt(first.baseUrl, MODEL), { ...geminiAt(second.baseUrl, MODEL), name: 'g2', priority: 2 }],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('g'), ask(false));
      expect(res.status).toBe(402); // was 200 from the second, the first charged nothing
      await finished.next();
      expect([first.received.length, second.received.length]).toEqual([1, 0]);
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'g');
      expect(spentUsd).toBeGreaterThanOrEqual(BILLED_USD);
      expect(spentUsd).toBeLessThanOrEqual(0.3);
    } finally {
      await gw.close();
      await first.close();
      await second.close();
    }
  });
});
