/**
 * An upstream that answers a redirect, found by the seventh rule-bypass pass, closed: the gateway
 * followed no redirect, but took the 3xx for an answer, handed the caller an empty 200, charged the
 * key its reservation for it and failed over to no other target. Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, budgeted, chatAnswer, k, listening, startScriptedUpstream } from '../support/rule-probes-5.js';

const LOCATION_SECRET = 'signed-location-token-0123';

/** An upstream answering every request with `status` and a Location on `elsewhere` (with a token in its query). */
async function redirectingUpstream(status: number, elsewhere: string) {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(status, { location: `${elsewhere}/chat/completions?sig=${LOCATION_SECRET}` });
      res.end();
    });
  });
  return { ...(await listening(server)), received: () => received };
}

describe('an upstream answering a redirect', () => {
  for (const status of [301, 302, 307, 308]) {
    it(`${status}: a failed attempt, failed over to the next target; the redirect is neither followed nor shown`, async () => {
      const elsewhere = await startScriptedUpstream((b) =>
        chatAnswer(b.model, { prompt_tokens: 1, completion_tokens: 1 }),
      );
      const next = await startScriptedUpstream((b) =>
        chatAnswer(b.model, { prompt_tokens: 10, completion_tokens: 10 }),
      );
      const moved = await redirectingUpstream(status, elsewhere.baseUrl);
      const { gw, finished } = await budgeted({
        keys: [{ name: 'r', key: k('r'), budget: { usd: 1, period: 'day' } }],
        catalog: { m: { pricing: { input: 1, output: 1 }, maxOutputTokens: 1000 } },
        providers: [
          mockProvider('moved', moved.baseUrl, { models: ['m'] }),
          mockProvider('next', next.baseUrl, { models: ['m'], priority: 2 }),
        ],
      });
      try {
        const res = await call(`${gw.url}/v1/chat/completions`, k('r'), chatBody());
        await finished.next();
        // Was: 200 with an empty body from `moved`, and `next` never asked.
        expect(res.status, res.text).toBe(200);
        expect(res.headers['x-switchyard-target']).toBe('next/m');
        expect(res.json.choices[0].message.content).toBe('ok');
        expect(res.text + JSON.stringify(res.headers)).not.toContain(LOCATION_SECRET);
        expect([moved.received(), next.received.length, elsewhere.received.length]).toEqual([1, 1, 0]);
        // Charged what `next` answered (20 tokens at $1 per 1M), no reservation for `moved` besides.
        expect((await budgetOf(gw.url, ADMIN, 'r')).spentUsd).toBeCloseTo(20e-6, 12);
      } finally {
        await gw.close();
        await moved.close();
        await next.close();
        await elsewhere.close();
      }
    });
  }

  it('with no other target: a 502 naming the redirect, nothing charged', async () => {
    const elsewhere = await startScriptedUpstream((b) =>
      chatAnswer(b.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const moved = await redirectingUpstream(307, elsewhere.baseUrl);
    const { gw, finished } = await budgeted({
      keys: [{ name: 'r', key: k('r'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 1, output: 1 }, maxOutputTokens: 1000 } },
      providers: [mockProvider('moved', moved.baseUrl, { models: ['m'] })],
    });
    try {
      // Was, unstreamed: 200 with an empty body, charged $0.001004; streamed, a 502 saying the stream ended.
      for (const stream of [false, true]) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('r'), { ...chatBody(), stream });
        await finished.next();
        expect(res.status).toBe(502);
        expect(res.json.error.message).toContain('307');
        expect(res.text + JSON.stringify(res.headers)).not.toContain(LOCATION_SECRET);
      }
      expect((await budgetOf(gw.url, ADMIN, 'r')).spentUsd).toBe(0);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await gw.close();
      await moved.close();
      await elsewhere.close();
    }
  });
});

function chatBody() {
  return { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
}
