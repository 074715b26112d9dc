/**
 * A hole the tenth rule-bypass pass closed: tokens per minute (and per day) reserved
 * `defaultMaxTokens` (1,024) of output for a request that sets no output limit, and sent the
 * upstream no limit: it wrote up to the model's own maximum, settled only once the answer was in.
 * A request with `max_tokens` was held to it; one without was not held at all. With
 * `outputWithoutLimit: reserve`, such requests are reserved the model's output limit
 * (plugin-models' `maxOutputTokens`, the largest of the models the name resolves to); where that
 * is not known, `defaultMaxTokens`, which the upstream is then sent as the request's limit. Each
 * case failed before the fix (the comments say how). The default, `estimate`, keeps the earlier
 * reservation, so that clients that set no limit (Codex, the Agents SDK) are not held to one
 * request a window: its last test pins what it does.
 */
import { describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { ADMIN, budgeted, chatAnswer, k, responsesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';

/** The mode these holes are closed in (the default, `estimate`, keeps throughput: see its own test). */
const RESERVE = { outputWithoutLimit: 'reserve' };

/** What an upstream writes when nothing limits it: the model's own maximum. */
const WRITES = 8000;

/** The limit a body sets, by whichever field its protocol uses (undefined: none). */
const limitOf = (body: Record<string, unknown>): number | undefined =>
  (body.max_output_tokens ?? body.max_completion_tokens ?? body.max_tokens) as number | undefined;

/** An upstream on Chat Completions and the Responses API writing WRITES tokens, or fewer when the body limits it. */
function startWritingUpstream() {
  return startScriptedUpstream((body, path) => {
    const written = Math.min(WRITES, limitOf(body) ?? WRITES);
    return path.endsWith('/responses')
      ? responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: written })
      : chatAnswer(body.model, { prompt_tokens: 10, completion_tokens: written });
  });
}

/** A key's tokens-per-minute counter as the admin key reads it. */
async function tokensUsed(gatewayUrl: string, name: string): Promise<number> {
  const { json } = await call(`${gatewayUrl}/admin/rate-limit/keys/${name}`, ADMIN);
  return json.tokens.used;
}

const write = { role: 'user', content: 'write as much as you can' };

describe('a request that sets no output limit, against tokens per minute', () => {
  it('is reserved its model’s output limit: two requests do not spend 16,000 tokens of a 10,000 minute', async () => {
    const up = await startWritingUpstream();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'out10', key: k('out10'), limits: { tokensPerMinute: 10_000 } }],
      catalog: { m: { maxOutputTokens: WRITES } },
      providers: [{ name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'] }],
      rateLimit: RESERVE,
    });
    try {
      const ask = () => call(`${gw.url}/v1/chat/completions`, k('out10'), { model: 'm', messages: [write] });
      const first = await ask();
      expect(first.status, first.text).toBe(200);
      await finished.next();
      // Was: 200 again (reserved 1,024 and the prompt next to 8,010 used): 16,020 tokens in the minute.
      const second = await ask();
      expect(second.status, second.text).toBe(429);
      expect(second.headers['retry-after']).toBeDefined();
      expect(up.received).toHaveLength(1);
      expect(await tokensUsed(gw.url, 'out10')).toBeLessThanOrEqual(10_000);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('a model whose output limit is over the minute’s runs alone in its minute, not beside another request', async () => {
    const up = await startWritingUpstream();
    const { gw, finished } = await budgeted({
      keys: [
        { name: 'alone10', key: k('alone10'), limits: { tokensPerMinute: 5000 } },
        { name: 'fresh10', key: k('fresh10'), limits: { tokensPerMinute: 5000 } },
      ],
      catalog: { m: { maxOutputTokens: WRITES } },
      providers: [{ name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'] }],
      rateLimit: RESERVE,
    });
    try {
      const ask = (limit: object, key = k('alone10')) =>
        call(`${gw.url}/v1/chat/completions`, key, { model: 'm', messages: [write], ...limit });
      // First in its minute, it runs: counted as the whole limit, settled at its usage.
      expect((await ask({}, k('fresh10'))).status).toBe(200);
      await finished.next();
      expect((await ask({ max_tokens: 100 })).status).toBe(200);
      await finished.next();
      // Was: 200, counting 1,030 tokens next to the 110 used while the upstream wrote 8,000: 8,120 of 5,000.
      const refused = await ask({});
      expect(refused.status, refused.text).toBe(429);
      expect(refused.json.error.message).toContain(
        'tokens per minute limit is 5000, and this request sets no output limit: its model may write up to 8000 tokens',
      );
      expect(refused.json.error.message).toMatch(/retry in \d/);
      expect(up.received).toHaveLength(2);
      expect(await tokensUsed(gw.url, 'alone10')).toBeLessThanOrEqual(5000);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it.each([
    ['Chat Completions', '/v1/chat/completions', false, { messages: [write] }],
    ['Responses converted for a Chat Completions upstream', '/v1/responses', false, { input: write.content }],
    ['Responses passed through to a Responses upstream', '/v1/responses', true, { input: write.content }],
  ] as const)(
    '%s, on a model whose output limit is not known: the upstream is sent defaultMaxTokens, what was reserved',
    async (_, path, responsesApi, body) => {
      const up = await startWritingUpstream();
      const { gw, finished } = await budgeted({
        keys: [{ name: 'unk10', key: k('unk10'), limits: { tokensPerMinute: 10_000 } }],
        catalog: {},
        providers: [
          { name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'], responsesApi },
        ],
        rateLimit: RESERVE,
      });
      try {
        const res = await call(`${gw.url}${path}`, k('unk10'), { model: 'm', ...body });
        expect(res.status, res.text).toBe(200);
        await finished.next();
        // Was: no limit sent, 8,000 tokens written against 1,024 reserved.
        expect(limitOf(up.received[0]!.body)).toBe(1024);
        expect(res.headers['x-switchyard-warnings']).toContain('output limited to 1024 tokens');
        expect(await tokensUsed(gw.url, 'unk10')).toBe(10 + 1024);
      } finally {
        await gw.close();
        await up.close();
      }
    },
  );

  it('a key with no token limit is sent no output limit, and a request that sets one keeps it', async () => {
    const up = await startWritingUpstream();
    const { gw } = await budgeted({
      keys: [
        { name: 'rpm10', key: k('rpm10'), limits: { requestsPerMinute: 10 } },
        { name: 'own10', key: k('own10'), limits: { tokensPerMinute: 10_000 } },
      ],
      catalog: {},
      providers: [{ name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'] }],
      rateLimit: RESERVE,
    });
    try {
      expect((await call(`${gw.url}/v1/chat/completions`, k('rpm10'), { model: 'm', messages: [write] })).status).toBe(
        200,
      );
      const own = { model: 'm', max_tokens: 3000, messages: [write] };
      expect((await call(`${gw.url}/v1/chat/completions`, k('own10'), own)).status).toBe(200);
      expect(up.received.map((r) => limitOf(r.body))).toEqual([undefined, 3000]);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a request that sets no output limit, under the default (outputWithoutLimit: estimate)', () => {
  it('is reserved defaultMaxTokens and sent no limit: requests keep running until the window is passed, then wait', async () => {
    const up = await startWritingUpstream();
    const { gw, finished } = await budgeted({
      keys: [{ name: 'est10', key: k('est10'), limits: { tokensPerMinute: 10_000 } }],
      catalog: { m: { maxOutputTokens: 128_000 } },
      providers: [{ name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'] }],
    });
    try {
      const ask = () => call(`${gw.url}/v1/chat/completions`, k('est10'), { model: 'm', messages: [write] });
      // A model that may write 128,000 tokens under a 10,000 minute still runs, not alone in its minute.
      for (let i = 0; i < 2; i++) {
        const res = await ask();
        expect(res.status, res.text).toBe(200);
        await finished.next();
      }
      expect(up.received.map((r) => limitOf(r.body))).toEqual([undefined, undefined]);
      // What they wrote counted once they ended: the window is passed, and the next request waits.
      expect(await tokensUsed(gw.url, 'est10')).toBe(2 * (10 + WRITES));
      const refused = await ask();
      expect(refused.status, refused.text).toBe(429);
      expect(up.received).toHaveLength(2);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('an answer made under the output limit a rate limit set', () => {
  it('is not served from a shared cache to a key asking without it', async () => {
    const up = await startWritingUpstream();
    const gw = await startGateway({
      plugins: {
        'circuit-breaker': false,
        'response-cache': { enabled: true, shared: true },
        'rate-limit': RESERVE,
        auth: {
          keys: [
            { name: 'tight10', key: k('tight10'), limits: { tokensPerMinute: 100_000 } },
            { name: 'free10', key: k('free10') },
          ],
        },
      },
      providers: [{ name: 'u', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['m'] }],
    });
    const ask = (key: string) =>
      call(`${gw.url}/v1/chat/completions`, key, { model: 'm', temperature: 0, messages: [write] });
    try {
      expect((await ask(k('tight10'))).status).toBe(200);
      expect(limitOf(up.received[0]!.body)).toBe(1024);
      const free = await ask(k('free10'));
      expect(free.status).toBe(200);
      expect(free.headers['x-switchyard-cache']).not.toBe('hit');
      expect(up.received).toHaveLength(2);
      expect(limitOf(up.received[1]!.body)).toBeUndefined();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
