/**
 * Redirects, found by the seventh rule-bypass pass, closed: an upstream's 3xx, which the gateway
 * did not follow but took for an answer (an empty 200 to the caller, the key charged its
 * reservation, no failover), and an Entra ID token endpoint's redirect, which the token request
 * followed to the host it named with the instance's client secret. Each test failed before its fix.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { serviceAccountKey } from '../support/mock-oauth.js';
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

/** The host a redirect names: it keeps the bodies it gets (none, when no redirect is followed) and refuses them with an OAuth `error`. */
async function recordingHost(error: string) {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(body);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error }));
    });
  });
  return { ...(await listening(server)), received };
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

describe('an Entra ID token endpoint answering a redirect', () => {
  it('is not followed: the client secret reaches no other host, and the caller gets a 502', async () => {
    const CLIENT_SECRET = 'entra-client-secret-redirect-0123';
    const { received: elsewhere, ...other } = await recordingHost('invalid_client');
    const authority = await redirectingUpstream(307, other.baseUrl.replace(/\/v1$/, ''));
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false },
      providers: [
        {
          name: 'az',
          type: 'azure-openai',
          baseUrl: 'http://127.0.0.1:9',
          tenantId: '00000000-0000-0000-0000-000000000007',
          clientId: '11111111-2222-3333-4444-555555555555',
          clientSecret: CLIENT_SECRET,
          authorityHost: authority.baseUrl.replace(/\/v1$/, ''),
          apiVersion: 'v1',
          deployments: { 'gpt-4.1': 'gpt41' },
        } as never,
      ],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, null, { ...chatBody(), model: 'gpt-4.1' });
      expect(res.status).toBe(502);
      expect(authority.received()).toBeGreaterThan(0);
      expect(elsewhere).toEqual([]); // was the token request, client secret and all
      expect(res.text).not.toContain(CLIENT_SECRET);
    } finally {
      await gw.close();
      await authority.close();
      await other.close();
    }
  });
});

describe('a Google token endpoint answering a redirect', () => {
  it('is not followed: the signed assertion reaches no other host', async () => {
    const { received: elsewhere, ...other } = await recordingHost('invalid_grant');
    const tokenHost = await redirectingUpstream(307, other.baseUrl.replace(/\/v1$/, ''));
    const { key } = serviceAccountKey({ origin: tokenHost.baseUrl.replace(/\/v1$/, '') } as never);
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false },
      providers: [
        {
          name: 'vx',
          type: 'vertex',
          baseUrl: 'http://127.0.0.1:9',
          project: 'p',
          location: 'us-east5',
          credentials: key,
          models: ['gemini-2.5-flash'],
        } as never,
      ],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, null, { ...chatBody(), model: 'gemini-2.5-flash' });
      expect(res.status).toBe(502);
      expect(tokenHost.received()).toBeGreaterThan(0);
      expect(elsewhere).toEqual([]);
    } finally {
      await gw.close();
      await tokenHost.close();
      await other.close();
    }
  });
});
