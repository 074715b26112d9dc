/**
 * Ways around a rule the fifth rule-bypass pass found, closed. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, budgeted, chatAnswer, k, startScriptedUpstream } from '../support/rule-probes-5.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { manualClock, until } from '../support/wait.js';
import { budgets } from '@switchyard/plugin-budgets';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';
import { startHangingUpstream } from '../support/hanging-upstream.js';
import { finishedExchanges } from '../support/finishes.js';

describe('the request id a caller picks names its budget reservation', () => {
  // Was: a caller's `x-request-id` (any [A-Za-z0-9._:-]{1,128}) becomes the exchange id, and the
  // budget ledger holds each reservation under that id. Parallel requests sending one id share
  // one hold: the memory ledger's Map keeps the last (one $0.02 hold for any number in flight),
  // so every one is admitted. Six requests of $0.02 each against a $0.05 budget all reach the
  // upstream and spend $0.12; a thousand would spend $20.
  it('parallel requests with one x-request-id are reserved one by one: the budget admits two of six', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }));
    const { gw } = await budgeted({
      keys: [{ name: 'rid', key: k('rid'), budget: { usd: 0.05, period: 'day' } }],
      catalog: { m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
    });
    try {
      const statuses: number[] = [];
      const all = Array.from({ length: 6 }, () =>
        call(
          `${gw.url}/v1/chat/completions`,
          k('rid'),
          { model: 'm', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-request-id': 'same-id-0001' } },
        ).then((r) => statuses.push(r.status)),
      );
      await until(() => statuses.length + gated.received === 6, { what: 'each request refused or upstream' });
      const reached = gated.received;
      gated.open();
      await Promise.all(all);
      expect(reached).toBe(2);
      expect((await budgetOf(gw.url, ADMIN, 'rid')).spentUsd).toBeLessThanOrEqual(0.05);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });

  // The same on Redis: the second hold under one id overwrites the first's entry; when the first
  // settles, its release takes the id's entry and, the holds set being empty, zeroes `reserved`
  // while the second is still in flight. A third request is then admitted into room that the
  // second holds: $0.06 spent of a $0.05 budget.
  it('on the Redis ledger: a request settled under a shared id does not release the other one still in flight', async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }));
    const open = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }), { open: true });
    const keyPrefix = testPrefix();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'rid', key: k('rid'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        held: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
        quick: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 },
      },
      providers: [
        mockProvider('g', gated.baseUrl, { models: ['held'] }),
        mockProvider('o', open.baseUrl, { models: ['quick'] }),
      ],
      store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix },
    });
    const ask = (model: string, id?: string) =>
      call(
        `${gw.url}/v1/chat/completions`,
        k('rid'),
        { model, max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] },
        { headers: id ? { 'x-request-id': id } : {} },
      );
    try {
      const b = ask('held', 'shared-id-0002'); // held upstream, $0.02 reserved
      await gated.waitForReceived(1);
      expect((await ask('quick', 'shared-id-0002')).status).toBe(200); // $0.02 spent
      await finished.next();
      // $0.02 spent and $0.02 held by the first: $0.02 more does not fit $0.05.
      const c = await ask('quick');
      gated.open();
      expect((await b).status).toBe(200);
      expect(c.status).toBe(402);
    } finally {
      await gw.close();
      await gated.stop();
      await open.stop();
      await dropTestKeys(keyPrefix);
    }
  });
});

describe('prompts whose characters are more than a quarter token each', () => {
  // Was: the input reservation is characters / 4 (UTF-16 code units), English prose's rate. A
  // CJK character is about one token (three UTF-8 bytes), an emoji two to four. A prompt of 40,000
  // CJK characters is reserved as 10,000 tokens ($0.10 at $10 per 1M) and billed about 40,000
  // ($0.40): a key with $0.15 left spends $0.40. The bigger the context window, the more dollars.
  it('a CJK prompt that cannot fit the budget is refused before the upstream', async () => {
    // The upstream bills one token per non-ASCII character, characters / 4 for the rest.
    const tokensOf = (text: string) => {
      const wide = [...text].filter((c) => c.codePointAt(0)! > 0x7f).length;
      return wide + Math.ceil((text.length - wide) / 4);
    };
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, {
        prompt_tokens: tokensOf(body.messages.map((m: { content: string }) => m.content).join('')),
        completion_tokens: 1,
      }),
    );
    const { gw, finished } = await budgeted({
      keys: [{ name: 'c', key: k('c'), budget: { usd: 0.15, period: 'day' } }],
      catalog: { m: { pricing: { input: 10, output: 0 }, maxOutputTokens: 4000, contextWindow: 400_000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    const cjk = '東京都の天気予報によると明日は雨が降るでしょう。'; // 24 characters
    const prompt = cjk.repeat(Math.ceil(40_000 / cjk.length));
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('c'), {
        model: 'm',
        max_tokens: 1,
        messages: [{ role: 'user', content: prompt }],
      });
      if (res.status === 200) await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'c');
      expect({ status: res.status, spentUsd }).toMatchObject({ spentUsd: expect.toSatisfy((n: number) => n <= 0.15) });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a tokens-per-minute limit reading only some of the prompt', () => {
  // Was: rate-limit's estimateTokens reads `messages ?? input`, `system ?? instructions` and
  // `tools`, nothing else. A Responses body with a decoy `messages: []` (or `system: ""`) is
  // estimated from the decoy, not from its `input` (or `instructions`), which a Chat, Anthropic
  // or Gemini upstream is sent once converted; Chat `functions` and a `response_format` schema
  // are billed prompt that is never counted. A key limited to 2,000 tokens a minute sends
  // 10,000-token prompts, as many at once as it likes: each is admitted on its max_tokens alone.
  const big = 'lorem ipsum '.repeat(3400); // 40,800 characters: about 10,200 tokens
  it.each([
    ['Responses input beside a decoy `messages: []`', '/v1/responses', { input: big, messages: [] }],
    [
      'Responses instructions beside a decoy `system: ""`',
      '/v1/responses',
      { input: 'hi', instructions: big, system: '' },
    ],
    [
      'Chat `functions`',
      '/v1/chat/completions',
      {
        messages: [{ role: 'user', content: 'hi' }],
        functions: [{ name: 'f', description: big, parameters: { type: 'object' } }],
      },
    ],
    [
      'Chat `response_format` json_schema',
      '/v1/chat/completions',
      {
        messages: [{ role: 'user', content: 'hi' }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object', description: big } },
        },
      },
    ],
  ] as const)('%s: a 10,000-token prompt is refused by a 2,000 tokens-per-minute limit', async (_, path, extra) => {
    // A Chat upstream: a Responses body is converted, its `input` and `instructions` made messages.
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 10_200, completion_tokens: 16 }),
    );
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 2000 } }] },
      },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const max = path === '/v1/responses' ? { max_output_tokens: 16 } : { max_tokens: 16 };
      const res = await call(`${gw.url}${path}`, k('tpm'), { model: 'm', ...max, ...extra });
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 429, reached: 0 });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a failover after an attempt that may bill', () => {
  // Was: the budget reserved ONE attempt's worst case before the first attempt, but every
  // attempt that timed out (the upstream had the request and may bill it) is charged that worst
  // case. A plan of N targets that all time out is charged N × the reservation: with a $0.03
  // budget and a $0.02 worst case, two timed-out attempts spend $0.04, past the budget (more
  // targets, more past it; one request of a key with $0.03 left spends N × $0.02).
  async function timingOut(
    usd: number,
  ): Promise<{ status: number; message: string; reached: number; spentUsd: number }> {
    const one = await startHangingUpstream();
    const two = await startHangingUpstream();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'a', key: k('a'), budget: { usd, period: 'day' } }],
      catalog: { h: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
      providers: [
        mockProvider('one', one.baseUrl, { models: ['h'], timeoutMs: 1500 }),
        mockProvider('two', two.baseUrl, { models: ['h'], timeoutMs: 1500, priority: 2 }),
      ],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('a'), {
        model: 'h',
        max_tokens: 2000, // $0.02 at worst
        messages: [{ role: 'user', content: 'write a long essay' }],
      });
      await finished.next();
      const { spentUsd } = await budgetOf(gw.url, ADMIN, 'a');
      const message = (res.json as { error: { message: string } }).error.message;
      return { status: res.status, message, reached: one.received.length + two.received.length, spentUsd };
    } finally {
      await gw.close();
      await one.close();
      await two.close();
    }
  }

  it('spends no more than the budget: two timed-out attempts do not charge $0.04 to a $0.03 budget', async () => {
    const run = await timingOut(0.03);
    expect(run).toMatchObject({ status: 402, reached: 1, message: expect.stringContaining('budget') });
    expect(run.spentUsd).toBeCloseTo(0.02, 10);
  });

  it('fails over when the budget holds the next attempt too: both timed out, both charged', async () => {
    const run = await timingOut(0.05);
    expect(run).toMatchObject({ status: 504, reached: 2 });
    expect(run.spentUsd).toBeCloseTo(0.04, 10);
  });

  // Was: a failover after a timed-out attempt, the second target answering: the limiter kept
  // a timed-out attempt's reservation only while no attempt has succeeded, then settles at the
  // success's usage alone. The timed-out attempt (which the upstream may work on and bill to its
  // max_tokens) counts nothing: 2,000 tokens a request slip past the limit.
  it('tokens per minute count a timed-out attempt even when a later target answers', async () => {
    const one = await startHangingUpstream();
    const two = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 100 }), { open: true });
    const finished = finishedExchanges();
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          auth: {
            keys: [
              { name: 'a', key: k('tpm-fo'), limits: { tokensPerMinute: 100_000 } },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
        providers: [
          mockProvider('one', one.baseUrl, { models: ['h'], timeoutMs: 1500 }),
          mockProvider('two', two.baseUrl, { models: ['h'], priority: 2 }),
        ],
      },
      { plugins: [finished.plugin] },
    );
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('tpm-fo'), {
        model: 'h',
        max_tokens: 2000,
        messages: [{ role: 'user', content: 'write a long essay' }],
      });
      expect(res.status).toBe(200);
      expect([one.received.length, two.received]).toEqual([1, 1]);
      await finished.next(); // settled
      const used = (await call(`${gw.url}/admin/rate-limit/keys/a`, ADMIN)).json.tokens.used as number;
      expect(used).toBeGreaterThanOrEqual(2000 + 110);
    } finally {
      await gw.close();
      await one.close();
      await two.stop();
    }
  });
});

describe('an answer made under the output limit a budget set', () => {
  // Was: budgets write their reserved output limit into a request that sets none (after the response
  // cache's lookup keyed it), and the cut answer was stored under the key of the request without a
  // limit: a shared cache served it to a key with no budget asking the same.
  it('is not stored under the key of the request without it', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 5, completion_tokens: 5 }),
    );
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true, shared: true },
        budgets: { enabled: true, reserveOutputTokens: 50 },
        auth: {
          keys: [
            { name: 'tight', key: k('tight'), budget: { usd: 1, period: 'day' } },
            { name: 'free', key: k('free') },
          ],
        },
      },
      catalog: { m: { pricing: { input: 1, output: 1 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    const ask = (key: string) =>
      call(`${gw.url}/v1/chat/completions`, key, {
        model: 'm',
        temperature: 0,
        messages: [{ role: 'user', content: 'the same question' }],
      });
    try {
      expect((await ask(k('tight'))).status).toBe(200);
      expect(up.received.at(-1)?.body.max_tokens).toBe(50);
      const free = await ask(k('free'));
      expect(free.status).toBe(200);
      expect(free.headers['x-switchyard-cache']).not.toBe('hit');
      expect(up.received).toHaveLength(2);
      expect(up.received[1]!.body.max_tokens).toBeUndefined();
      // The free key's answer, made without a limit, is the one kept: a third ask is a hit.
      expect((await ask(k('free'))).headers['x-switchyard-cache']).toBe('hit');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a Chat web_search_options request', () => {
  // Was: a search model reads what its search brought back as input, billed as such; the reservation
  // counted the caller's prompt only.
  it('is reserved input up to the context window: refused when it does not fit the budget', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 100_000, completion_tokens: 10 }),
    );
    const { gw } = await budgeted({
      keys: [{ name: 'ws', key: k('ws'), budget: { usd: 0.05, period: 'day' } }],
      catalog: {
        m: { pricing: { input: 3, output: 15, webSearch: 10 }, maxOutputTokens: 4000, contextWindow: 200_000 },
      },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('ws'), {
        model: 'm',
        max_tokens: 10,
        web_search_options: {},
        messages: [{ role: 'user', content: 'what happened today?' }],
      });
      expect({ status: res.status, sent: up.received.length }).toEqual({ status: 402, sent: 0 });
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a request in flight longer than reservationTtlMs', () => {
  // Was: a reservation was released when `reservationTtlMs` (default one hour) passes, meant
  // for a replica that died holding it; but it is released just the same while its request is
  // still in flight on a live replica (the memory ledger releases it too, in the very process
  // that holds the request). A stream kept open past the hour (a slow upstream, a caller reading
  // slowly) frees its room while it can still bill: a second request is admitted into it, and
  // both are charged. $0.04 spent of a $0.03 budget here; N streams, N times over.
  it.each(['memory', 'redis'] as const)(
    'the room of a request still in flight is not given to another one (%s ledger)',
    async (ledger) => {
      const clock = manualClock();
      const keyPrefix = testPrefix();
      const gated = await startGatedUpstream(() => ({ prompt_tokens: 10, completion_tokens: 2000 }));
      const finished = finishedExchanges();
      const gw = await startGateway(
        {
          plugins: {
            'circuit-breaker': false,
            budgets: { enabled: true },
            auth: {
              keys: [
                { name: 'ttl', key: k('ttl'), budget: { usd: 0.03, period: 'none' } },
                { name: 'ops', key: ADMIN, admin: true },
              ],
            },
          },
          catalog: { m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } },
          providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
          ...(ledger === 'redis' ? { store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix } } : {}),
        },
        { plugins: [budgets({ now: clock.now }), finished.plugin] },
      );
      const ask = () =>
        call(`${gw.url}/v1/chat/completions`, k('ttl'), {
          model: 'm',
          max_tokens: 2000,
          messages: [{ role: 'user', content: 'hi' }],
        });
      try {
        const first = ask(); // $0.02 held
        await gated.waitForReceived(1);
        clock.advance(3_600_001); // the first is still in flight, on this live replica
        let settled = false;
        const second = ask().then((r) => ((settled = true), r));
        await until(() => gated.received === 2 || settled, { what: 'the second admitted or refused' });
        gated.open();
        const statuses = [(await first).status, (await second).status];
        await finished.next();
        if (statuses[1] === 200) await finished.next();
        expect(statuses).toEqual([200, 402]);
        expect((await budgetOf(gw.url, ADMIN, 'ttl')).spentUsd).toBeLessThanOrEqual(0.03 + 1e-12);
      } finally {
        await gw.close();
        await gated.stop();
        if (ledger === 'redis') await dropTestKeys(keyPrefix);
      }
    },
  );
});
