/**
 * Two things the seventh rule-bypass pass left open, closed:
 * - an inline PDF whose objects are packed in compressed object streams (the default of many PDF
 *   writers since PDF 1.5), whose pages were not counted: budgets reserved it up to the whole
 *   context window (refusing ordinary requests of small budgets), rate limits counted it by its
 *   bytes (a way around tokens per minute). Its object streams are inflated and its pages counted;
 *   a PDF whose pages still cannot be counted (encrypted) counts the whole window per minute too;
 * - per-instance token caps, which counted nothing for an attempt that timed out or whose answer
 *   could not be used (the upstream may bill either), so a caller could go past an instance's cap
 *   through such attempts; they count the request's reservation, as per-key limits do.
 * Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';
import { pdfBase64, documentAsk } from '../support/pdf.js';
import { call } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  chatAnswer,
  geminiAt,
  k,
  listening,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';
import { finishedExchanges } from '../support/finishes.js';

describe('an inline PDF whose objects are packed in compressed object streams', () => {
  it('budgets: reserved by its pages, not up to a 1M-token window', async () => {
    // Was: 402 for ten pages, reserved as the whole 1M window ($3 at $3 per 1M) against a $0.30 budget.
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 45_000, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'pk', key: k('pk'), budget: { usd: 0.3, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 1_000_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      // Ten pages, 45,000 tokens ($0.135 with the output): within the budget.
      const ten = await spendOn(setup, up, 'pk', '/v1/messages', documentAsk(pdfBase64(10, { objectStreams: true })));
      expect({ status: ten.status, sent: ten.sent }).toEqual({ status: 200, sent: 1 });
      // A hundred pages, 450,000 tokens ($1.35): past it. An encrypted one, up to the window: past it too.
      for (const data of [
        pdfBase64(100, { objectStreams: true }),
        pdfBase64(2, { objectStreams: true, encrypted: true }),
      ]) {
        const refused = await spendOn(setup, up, 'pk', '/v1/messages', documentAsk(data));
        expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 402, sent: 1 });
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });

  /** A gateway whose keys `tpm` and `wide` may use 100,000 and 300,000 tokens a minute, on a model of a 200,000-token window. */
  async function perMinute() {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 }),
    );
    const setup = await budgeted({
      keys: [
        { name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 100_000 } },
        { name: 'wide', key: k('wide'), limits: { tokensPerMinute: 300_000 } },
      ],
      catalog: { m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    return { up, setup, close: async () => (await setup.gw.close(), await up.close()) };
  }

  it('tokens per minute: counted by its pages', async () => {
    // Was: 200, counted by its bytes (some 2,000 tokens) against a 100,000-token minute.
    const { up, setup, close } = await perMinute();
    try {
      const hundred = documentAsk(pdfBase64(100, { objectStreams: true })); // 450,000 tokens
      const refused = await spendOn(setup, up, 'tpm', '/v1/messages', hundred);
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 0 });
      expect(refused.message).toContain('needs 450100 tokens per minute, more than the limit of 100000');
      const ten = documentAsk(pdfBase64(10, { objectStreams: true })); // 45,000 tokens
      expect(await spendOn(setup, up, 'tpm', '/v1/messages', ten)).toMatchObject({ status: 200 });
    } finally {
      await close();
    }
  });

  it('tokens per minute: one whose pages cannot be counted (encrypted) counts the whole context window', async () => {
    // Was: 200, counted by its bytes, though the upstream may read up to the window.
    const { up, setup, close } = await perMinute();
    try {
      const encrypted = documentAsk(pdfBase64(2, { objectStreams: true, encrypted: true }));
      // Over the 100,000 limit with the window, not without: it takes the whole minute, alone.
      expect(await spendOn(setup, up, 'tpm', '/v1/messages', encrypted)).toMatchObject({ status: 200, sent: 1 });
      const refused = await spendOn(setup, up, 'tpm', '/v1/messages', encrypted);
      expect({ status: refused.status, sent: refused.sent }).toEqual({ status: 429, sent: 1 });
      expect(refused.message).toContain(
        "tokens per minute limit is 100000, and this request may read up to its model's context window",
      );
      // The window and the output fit a 300,000-token minute.
      expect(await spendOn(setup, up, 'wide', '/v1/messages', encrypted)).toMatchObject({ status: 200, sent: 2 });
    } finally {
      await close();
    }
  });
});

const MODEL = 'gemini-2.5-pro';

/** A Gemini upstream whose every answer finished with MALFORMED_FUNCTION_CALL: an unusable answer it bills. */
async function malformedGemini() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'MALFORMED_FUNCTION_CALL', index: 0 }],
          usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 0, thoughtsTokenCount: 20_000 },
          modelVersion: MODEL,
        }),
      );
    });
  });
  return { ...(await listening(server)), received };
}

/** The capped instance `first` (failing every attempt as `failing` says) and `next` behind it, which answers. */
async function cappedGateway(failing: 'timeout' | 'unusable_answer') {
  const next = await startScriptedUpstream((b) => chatAnswer(b.model, { prompt_tokens: 10, completion_tokens: 10 }));
  const hanging = failing === 'timeout' ? await startHangingUpstream() : undefined;
  const malformed = failing === 'unusable_answer' ? await malformedGemini() : undefined;
  const first = hanging
    ? mockProvider('first', hanging.baseUrl, { models: [MODEL], timeoutMs: 1500 })
    : { ...geminiAt(malformed!.baseUrl, MODEL), name: 'first' };
  const finished = finishedExchanges();
  const gw = await startGateway(
    {
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'app', key: k('capped') },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
        'rate-limit': { instances: { first: { tokensPerMinute: 50_000 } } },
      },
      providers: [first, mockProvider('next', next.baseUrl, { models: [MODEL], priority: 2 })],
    },
    { plugins: [finished.plugin] },
  );
  const sentToFirst = () => hanging?.received.length ?? malformed!.received.length;
  const close = async () => {
    await gw.close();
    await next.close();
    await (hanging ?? malformed)!.close();
  };
  return { gw, finished, sentToFirst, close };
}

describe("an instance's token cap", () => {
  for (const failing of ['timeout', 'unusable_answer'] as const) {
    it(`counts each attempt that ended ${failing} by the request's reservation`, async () => {
      const { gw, finished, sentToFirst, close } = await cappedGateway(failing);
      const ask = {
        model: MODEL,
        max_tokens: 20_000, // a reservation of some 20,000 tokens
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
      };
      try {
        for (let i = 1; i <= 3; i++) {
          const res = await call(`${gw.url}/v1/chat/completions`, k('capped'), ask);
          await finished.next();
          expect({ i, status: res.status, target: res.headers['x-switchyard-target'] }).toEqual({
            i,
            status: 200,
            target: `next/${MODEL}`,
          });
          expect(sentToFirst()).toBe(i);
        }
        // Was 0: three attempts that may each bill 20,000 tokens counted nothing against the cap.
        const { tokens } = (await call(`${gw.url}/admin/rate-limit/instances/first`, ADMIN)).json;
        expect(tokens.used).toBeGreaterThanOrEqual(60_000);
        // Past its cap of 50,000: `first` is skipped, the next serves at once.
        const res = await call(`${gw.url}/v1/chat/completions`, k('capped'), ask);
        expect(res.status).toBe(200);
        expect(sentToFirst()).toBe(3);
      } finally {
        await close();
      }
    });
  }
});
