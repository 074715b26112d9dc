/**
 * A seventh pass at Switchyard's rules. Beside the holes it closed (rule-bypass-7-closed-*: price
 * modifiers in an Anthropic body, answers an upstream bills that the gateway cannot use, upstream
 * redirects), it probed these, which hold: a gateway key in the query string under every spelling
 * (refused, and written to no log line, console view or upstream URL), a sticky session another key
 * bound to an instance a provider-restricted key may not use, a stream whose upstream never reports
 * usage (charged its reservation, counted per minute), a failover from a cheap target to a dear
 * one (reserved at the dearer), a shared response cache asked for another
 * key's continuation of a kept response (`previous_response_id`), and Anthropic price fields at
 * their standard values (priced, not refused). Each test asserts that the rule holds.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import { budgetOf, call } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  listening,
  messagesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';
import { until } from '../support/wait.js';

const chatBody = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('a gateway key in the URL query string', () => {
  it('is refused under every spelling, and reaches no log line, console view or upstream URL', async () => {
    const up = await startScriptedUpstream((b) => chatAnswer(b.model, { prompt_tokens: 1, completion_tokens: 1 }));
    const log = memoryLogger();
    const secret = k('query7');
    const gw = await startGateway(
      {
        providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
        plugins: {
          'circuit-breaker': false,
          auth: {
            keys: [
              { name: 'app', key: secret },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
      },
      { logger: log.logger },
    );
    try {
      for (const query of ['key', 'Key', 'API_KEY', 'x=1&api_key', 'access_token', 'x-goog-api-key']) {
        const url = `${gw.url}/v1/chat/completions?${query}=${secret}`;
        // Alone, or beside the same key in a header: refused either way, naming the parameter only.
        for (const key of [null, secret]) {
          const res = await call(url, key, chatBody);
          expect({ query, status: res.status }).toEqual({ query, status: 401 });
          expect(res.text).not.toContain(secret);
        }
      }
      // A parameter of no key name is no key: with one in the header the request is served, the query not passed on.
      const served = await call(`${gw.url}/v1/chat/completions?auth=${secret}`, secret, chatBody);
      expect(served.status).toBe(200);
      expect(up.received.map((r) => r.path)).toEqual(['/v1/chat/completions']);
      await until(() => log.lines.some((l) => l.msg === 'request' && l.status === 200), {
        what: "the served request's log line",
      });
      expect(log.lines.filter((l) => JSON.stringify(l).includes(secret))).toEqual([]);
      for (const page of ['/admin/console/requests', '/admin/console/traffic']) {
        const text = (await call(`${gw.url}${page}`, ADMIN)).text;
        expect({ page, leaked: text.includes(secret) }).toEqual({ page, leaked: false });
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('sticky sessions', () => {
  it('a session another key bound to an instance this key may not use routes this key to its own, by header or by user', async () => {
    const a = await startScriptedUpstream((b) => chatAnswer(b.model, { prompt_tokens: 1, completion_tokens: 1 }));
    const b = await startScriptedUpstream((b) => chatAnswer(b.model, { prompt_tokens: 1, completion_tokens: 1 }));
    const gw = await startGateway({
      providers: [mockProvider('a', a.baseUrl, { models: ['m'] }), mockProvider('b', b.baseUrl, { models: ['m'] })],
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'wide', key: k('wide7') },
            { name: 'only-b', key: k('only-b7'), providers: ['b'] },
          ],
        },
      },
    });
    try {
      const session = { 'x-session-id': 'shared-session-7' };
      const byUser = { ...chatBody, user: 'shared-user-7' };
      // The wide key binds both to `a` (b excluded by its own header: the session moves to what is left).
      const pin = { ...session, 'x-switchyard-exclude-providers': 'b' };
      expect((await call(`${gw.url}/v1/chat/completions`, k('wide7'), chatBody, { headers: pin })).status).toBe(200);
      const pinUser = { 'x-switchyard-exclude-providers': 'b' };
      expect((await call(`${gw.url}/v1/chat/completions`, k('wide7'), byUser, { headers: pinUser })).status).toBe(200);
      expect([a.received.length, b.received.length]).toEqual([2, 0]);
      for (let i = 0; i < 3; i++) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('wide7'), chatBody, { headers: session });
        expect(res.headers['x-switchyard-target']).toBe('a/m');
      }
      const before = a.received.length;
      for (const [body, headers] of [
        [chatBody, session],
        [byUser, {}],
      ] as const) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('only-b7'), body, { headers });
        expect(res.status).toBe(200);
        expect(res.headers['x-switchyard-target']).toBe('b/m');
      }
      expect(a.received.length).toBe(before);
      // Nor can the narrow key name the instance it may not use through a session of its own making.
      const named = await call(
        `${gw.url}/v1/chat/completions`,
        k('only-b7'),
        { ...chatBody, model: 'a/m' },
        { headers: session },
      );
      expect([403, 503], named.text).toContain(named.status);
      expect(a.received.length).toBe(before);
    } finally {
      await gw.close();
      await a.close();
      await b.close();
    }
  });
});

describe('a stream whose upstream never reports usage', () => {
  it('is charged its reservation and counted per minute at it, not nothing', async () => {
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(req.url);
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${chunk({ role: 'assistant', content: 'a long answer' }, null)}${chunk({}, 'stop')}data: [DONE]\n\n`);
      });
    });
    const up = await listening(server);
    const { gw, finished } = await budgeted({
      keys: [{ name: 's', key: k('s7'), budget: { usd: 1, period: 'day' }, limits: { tokensPerMinute: 100_000 } }],
      catalog: { m: { pricing: { input: 1, output: 10 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('s7'), { ...chatBody, stream: true, max_tokens: 2000 });
      expect(res.status).toBe(200);
      expect(res.text).toContain('a long answer');
      await finished.next();
      expect(received).toHaveLength(1);
      // 2,000 output tokens at $10 per 1M, and the prompt's estimate at $1.
      expect((await budgetOf(gw.url, ADMIN, 's')).spentUsd).toBeGreaterThanOrEqual(0.02);
      const limits = (await call(`${gw.url}/admin/rate-limit/keys/s`, ADMIN)).json;
      expect(limits.tokens.used).toBeGreaterThanOrEqual(2000);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('Anthropic price fields at their standard values', () => {
  it('speed standard, inference_geo global and service_tier auto or standard_only are priced at the standard price', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 1000, output_tokens: 1000 }),
    );
    const setup = await budgeted({
      keys: [{ name: 'std7', key: k('std7'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 5, output: 25 }, maxOutputTokens: 4000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      let spent = 0;
      for (const extra of [
        { speed: 'standard' },
        { inference_geo: 'global' },
        { service_tier: 'auto' },
        { service_tier: 'standard_only', speed: 'standard', inference_geo: 'global' },
      ]) {
        const body = { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra };
        const { status, spentUsd } = await spendOn(setup, up, 'std7', '/v1/messages', body);
        expect({ extra, status }).toEqual({ extra, status: 200 });
        spent += 0.03; // 1,000 input and output tokens at $5 / $25 per 1M
        expect(spentUsd).toBeCloseTo(spent, 10);
      }
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('a shared response cache and kept Responses', () => {
  it("another key asking alice's cached continuation (her previous_response_id) is refused, not served from the cache", async () => {
    const up = await startMockOpenAI({ name: 'resp7' });
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true, shared: true },
        auth: {
          keys: [
            { name: 'alice', key: k('alice7') },
            { name: 'bob', key: k('bob7') },
          ],
        },
      },
      providers: [mockProvider('resp7', up.baseUrl, { models: ['gpt-4o'] })],
    });
    try {
      const first = await call(`${gw.url}/v1/responses`, k('alice7'), { model: 'gpt-4o', input: 'alice secret: 4242' });
      expect(first.status).toBe(200);
      const follow = {
        model: 'gpt-4o',
        input: 'repeat what I said',
        previous_response_id: first.json.id,
        temperature: 0,
      };
      expect((await call(`${gw.url}/v1/responses`, k('alice7'), follow)).status).toBe(200);
      const again = await call(`${gw.url}/v1/responses`, k('alice7'), follow);
      expect(again.headers['x-switchyard-cache']).toBe('hit');
      const sent = up.requests.length;
      for (const stream of [false, true]) {
        const bob = await call(`${gw.url}/v1/responses`, k('bob7'), { ...follow, stream });
        expect(bob.status).toBe(400);
        expect(bob.headers['x-switchyard-cache']).toBeUndefined();
        expect(bob.text).not.toContain('4242');
      }
      expect(up.requests.length).toBe(sent);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a failover from a cheap target to a dear one', () => {
  it('is reserved at the dearer before the first attempt: a budget with room for the cheap one only is refused up front', async () => {
    let cheapReceived = 0;
    const cheap = await listening(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          cheapReceived++;
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"overloaded"}}');
        });
      }),
    );
    const dear = await startScriptedUpstream((b) => chatAnswer(b.model, { prompt_tokens: 10, completion_tokens: 400 }));
    const setup = await budgeted({
      // 1,000 output tokens: $0.001 on `cheap`, $0.06 on `dear`.
      keys: [{ name: 'fo7', key: k('fo7'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        'cheap-m': { pricing: { input: 1, output: 1 }, maxOutputTokens: 4000 },
        'dear-m': { pricing: { input: 60, output: 60 }, maxOutputTokens: 4000 },
      },
      providers: [
        mockProvider('cheap', cheap.baseUrl, { models: ['cheap-m'] }),
        mockProvider('dear', dear.baseUrl, { models: ['dear-m'] }),
      ],
      config: { models: [{ name: 'mix', targets: ['cheap/cheap-m', 'dear/dear-m'] }] },
    });
    try {
      const body = { model: 'mix', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] };
      const refused = await spendOn(setup, dear, 'fo7', '/v1/chat/completions', body);
      expect(refused.status).toBe(402);
      expect([cheapReceived, dear.received.length]).toEqual([0, 0]);
      await setup.finished.next(); // the refusal's
      // Room for the dearer attempt: `cheap` fails, `dear` serves, and is charged what it served.
      const fits = await spendOn(setup, dear, 'fo7', '/v1/chat/completions', { ...body, max_tokens: 500 });
      expect(fits.status).toBe(200);
      expect([cheapReceived, dear.received.length]).toEqual([1, 1]);
      expect(fits.spentUsd).toBeCloseTo((10 * 60 + 400 * 60) / 1e6, 12);
    } finally {
      await setup.gw.close();
      await cheap.close();
      await dear.close();
    }
  });
});
