/**
 * An eighth pass at Switchyard's rules. Beside the holes it closed (rule-bypass-8-closed-*: hosted
 * tools whose results are read as input under `unpriced: free`, the Responses `shell` tool in a
 * hosted container (unpriced, and another key's container), LiteLLM's `user_config` router in the
 * body, a concurrency counter that forgot requests in flight when its hour ended), it probed
 * these, which hold: a request reserved just before its budget period ends and settled after it
 * (charged once, to the period it was reserved in), a burst spread over the keys of one team
 * against the team's budget, a brotli-encoded body (refused, never inflated), the Responses fields
 * that make an upstream read input it keeps (`conversation`, `prompt`, `previous_response_id` of a
 * response the gateway does not hold for the key), models an upstream listing adds under a key's
 * wildcard (`discover: true`), and a run-time key disabled while its request is in flight (the
 * request still charged to its key's and team's budgets). Each test asserts that the rule holds.
 */
import { createServer } from 'node:http';
import { brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { budgets } from '@switchyard/plugin-budgets';
import { mockProvider, startGateway } from '../support/gateway.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { finishedExchanges } from '../support/finishes.js';
import { sendHttp } from '../support/raw-http.js';
import { budgetOf, call } from '../support/rule-probes.js';
import { ADMIN, chatAnswer, k, listening, responsesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';
import { manualClock, until } from '../support/wait.js';

const DAY_MS = 86_400_000;
/** $0.02 a request: 2,000 output tokens at $10 per 1M. */
const catalog = { m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 4000 } };
const ask = { model: 'm', max_tokens: 2000, messages: [{ role: 'user', content: 'hi' }] };

describe('a request reserved before its budget period ends and settled after', () => {
  it('is charged once, to the period it was reserved in: the next period starts with its whole budget', async () => {
    const midnight = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
    const clock = manualClock(midnight - 1000);
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 0, completion_tokens: 2000 }));
    const finished = finishedExchanges();
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true },
          auth: {
            keys: [
              { name: 'eod', key: k('eod'), budget: { usd: 0.03, period: 'day' } },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
        catalog,
        providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
      },
      { plugins: [budgets({ now: clock.now }), finished.plugin] },
    );
    const post = () => call(`${gw.url}/v1/chat/completions`, k('eod'), ask);
    try {
      const late = post(); // $0.02 held a second before midnight
      await gated.waitForReceived(1);
      // The day it was reserved in has no room for another.
      expect((await post()).status).toBe(402);
      clock.advance(2000);
      gated.open();
      expect((await late).status).toBe(200);
      await finished.next();
      // Settled after midnight: the new day shows none of it, and holds $0.03 of its own.
      expect(await budgetOf(gw.url, ADMIN, 'eod')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
      expect((await post()).status).toBe(200);
      await finished.next();
      expect((await post()).status).toBe(402);
      // The late request is counted in the spend records once, on the day it was reserved.
      const day = (t: number) => new Date(t).toISOString().slice(0, 10);
      const spend = await call(
        `${gw.url}/admin/spend?key=eod&from=${day(midnight - DAY_MS)}&to=${day(midnight)}`,
        ADMIN,
      );
      const rows = spend.json.rows ?? spend.json.spend ?? spend.json;
      const byDay = new Map<string, number>();
      for (const r of rows as Array<{ day: string; usd: number }>) byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.usd);
      expect(Object.fromEntries(byDay)).toEqual({ [day(midnight - 1000)]: 0.02, [day(midnight)]: 0.02 });
      expect(gated.received).toBe(2);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});

describe("a burst spread over a team's keys", () => {
  it("is admitted within the team's budget, whichever key each request uses", async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 0, completion_tokens: 2000 }));
    const finished = finishedExchanges();
    const names = ['t1', 't2', 't3', 't4'];
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true, teams: { red: { usd: 0.05, period: 'day' } } },
          auth: {
            keys: [
              ...names.map((name) => ({ name, key: k(name), team: 'red', budget: { usd: 1, period: 'day' } })),
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
        catalog,
        providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
      },
      { plugins: [finished.plugin] },
    );
    try {
      // Twelve $0.02 requests at once, three on each key: each key's own $1 holds them all.
      let answered = 0;
      const all = Array.from({ length: 12 }, (_, i) =>
        call(`${gw.url}/v1/chat/completions`, k(names[i % 4]!), ask).then((r) => (answered++, r.status)),
      );
      await until(() => answered === 10, { what: 'the refused requests answered' });
      gated.open();
      const statuses = await Promise.all(all);
      expect(statuses.filter((s) => s === 200)).toHaveLength(2);
      expect(statuses.filter((s) => s === 402)).toHaveLength(10);
      expect(gated.received).toBe(2);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});

describe('a brotli-encoded body', () => {
  it('is refused, never inflated nor passed on', async () => {
    const up = await startScriptedUpstream(() => ({}));
    const gw = await startGateway({
      providers: [mockProvider('u', up.baseUrl, { models: ['m', 'pricey'] })],
      plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'br', key: k('br'), models: ['m'] }] } },
    });
    try {
      const json = JSON.stringify({ ...ask, model: 'pricey' });
      const res = await sendHttp(Number(new URL(gw.url).port), {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'br',
          authorization: `Bearer ${k('br')}`,
        },
        body: brotliCompressSync(Buffer.from(json)),
      });
      expect(res.status, res.text).toBe(400);
      expect(up.received).toHaveLength(0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('Responses fields naming input an upstream keeps', () => {
  it('conversation, prompt and a previous_response_id the gateway does not hold for the key reach no upstream', async () => {
    const up = await startScriptedUpstream((body) =>
      responsesAnswer(body.model, [], { input_tokens: 1, output_tokens: 1 }),
    );
    const gw = await startGateway({
      providers: [mockProvider('r', up.baseUrl, { models: ['m'], responsesApi: true })],
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'a', key: k('ra') },
            { name: 'b', key: k('rb') },
          ],
        },
      },
    });
    try {
      const url = `${gw.url}/v1/responses`;
      const kept = await call(url, k('ra'), { model: 'm', input: 'remember this' });
      expect(kept.status).toBe(200);
      const id = kept.json.id as string;
      const sent = up.received.length;
      for (const extra of [
        { conversation: 'conv_0123' },
        { conversation: { id: 'conv_0123' } },
        { prompt: { id: 'pmpt_0123', variables: { topic: 'x' } } },
        { previous_response_id: 'resp_upstream_0123' },
        { previous_response_id: id },
      ]) {
        const res = await call(url, k('rb'), { model: 'm', input: 'go on', ...extra });
        expect(res.status, JSON.stringify(extra)).toBe(400);
      }
      expect(up.received.length).toBe(sent);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('models an upstream listing adds (discover: true)', () => {
  it("are served only as far as the key's list allows: a wildcard key gets the listed names it matches, no others", async () => {
    const listed = ['cheap-new', 'pricey-new', 'cheap'];
    const sent: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'GET' && req.url === '/v1/models') {
          res.end(JSON.stringify({ object: 'list', data: listed.map((id) => ({ id, object: 'model' })) }));
          return;
        }
        const body = JSON.parse(text);
        sent.push(body.model);
        res.end(JSON.stringify(chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 })));
      });
    });
    const up = await listening(server);
    const gw = await startGateway({
      providers: [mockProvider('d', up.baseUrl, { discover: true })],
      plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'w', key: k('disc'), models: ['cheap-*'] }] } },
    });
    try {
      const models = await call(`${gw.url}/v1/models`, k('disc'));
      expect(models.json.data.map((m: { id: string }) => m.id).sort()).toEqual(['cheap-new']);
      for (const model of ['pricey-new', 'cheap', 'd/pricey-new', 'CHEAP-NEW']) {
        const res = await call(`${gw.url}/v1/chat/completions`, k('disc'), { ...ask, model });
        expect(res.status, model).not.toBe(200);
      }
      expect(sent).toEqual([]);
      expect((await call(`${gw.url}/v1/chat/completions`, k('disc'), { ...ask, model: 'cheap-new' })).status).toBe(200);
      expect(sent).toEqual(['cheap-new']);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('a run-time key disabled while its request is in flight', () => {
  it("the request is charged to the key's and its team's budgets when it ends; the key's next request is refused", async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 0, completion_tokens: 2000 }));
    const finished = finishedExchanges();
    const gw = await startGateway(
      {
        plugins: {
          'circuit-breaker': false,
          budgets: { enabled: true, teams: { blue: { usd: 0.05, period: 'day' } } },
          auth: { runtimeKeys: true, keys: [{ name: 'ops', key: ADMIN, admin: true }] },
        },
        catalog,
        providers: [mockProvider('u', gated.baseUrl, { models: ['m'] })],
      },
      { plugins: [finished.plugin] },
    );
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${gw.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    try {
      const made = await admin('POST', '/admin/keys', {
        name: 'gone',
        key: k('gone'),
        team: 'blue',
        budget: { usd: 1, period: 'day' },
      });
      expect(made.status, await made.text()).toBe(201);
      const inFlight = call(`${gw.url}/v1/chat/completions`, k('gone'), ask);
      await gated.waitForReceived(1);
      expect((await admin('PATCH', '/admin/keys/gone', { enabled: false })).status).toBe(200);
      expect((await call(`${gw.url}/v1/chat/completions`, k('gone'), ask)).status).toBe(401);
      gated.open();
      expect((await inFlight).status).toBe(200);
      await finished.next();
      const { json } = await call(`${gw.url}/admin/budgets`, ADMIN);
      const spent = Object.fromEntries(
        (json.budgets as Array<{ scope: string; spentUsd: number }>).map((b) => [b.scope, b.spentUsd]),
      );
      expect(spent).toMatchObject({ 'key:gone': 0.02, 'team:blue': 0.02 });
      expect(gated.received).toBe(1);
    } finally {
      await gw.close();
      await gated.stop();
    }
  });
});
