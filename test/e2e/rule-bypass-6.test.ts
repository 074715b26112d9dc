/**
 * A sixth pass at Switchyard's rules, away from the POST endpoints the earlier passes probed:
 * GET /v1/models, count_tokens and embeddings of a provider-restricted key, kept Responses under
 * other methods and spellings, upstream error answers quoting the gateway's upstream credentials
 * (caller bodies, logs, console, traces), what traces, logs and the console hold of a prompt, the
 * console's files, /metrics behind the admin key, and embeddings an upstream reports no usage for.
 * Each test asserts that the rule holds.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { propagation, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otel } from '@switchyard/plugin-otel';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { budgetOf, call } from '../support/rule-probes.js';
import {
  ADMIN,
  anthropicAt,
  budgeted,
  chatAnswer,
  geminiAt,
  k,
  listening,
  messagesAnswer,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';
import type { ScriptedUpstream } from '../support/rule-probes-5.js';
import { until } from '../support/wait.js';

/** A request with an arbitrary method (HEAD included), read whole. */
function raw(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v1/models and the hook-less answers: a key sees and reaches only what it may use', () => {
  let a: ScriptedUpstream; // Anthropic: counts tokens natively
  let o: ScriptedUpstream; // OpenAI-compatible: chat and embeddings
  let gw: RunningGateway;
  beforeAll(async () => {
    a = await startScriptedUpstream((body, path) =>
      path.endsWith('/count_tokens')
        ? { input_tokens: 7 }
        : messagesAnswer(body.model, { input_tokens: 1, output_tokens: 1 }),
    );
    o = await startScriptedUpstream((body, path) =>
      path.endsWith('/embeddings')
        ? {
            object: 'list',
            data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
            model: body.model,
            usage: { prompt_tokens: 1, total_tokens: 1 },
          }
        : chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    gw = await startGateway({
      providers: [
        { ...anthropicAt(a.baseUrl), models: ['m', 'claude-only'] },
        mockProvider('o', o.baseUrl, { models: ['m', 'emb', 'gpt-secret-project'] }),
      ],
      models: [
        { name: 'pool', targets: ['a/claude-only', 'o/gpt-secret-project'] },
        { name: 'open-alias', targets: ['o/m'] },
      ],
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'narrow', key: k('narrow6'), models: ['m', 'emb', 'open-alias'] },
            { name: 'only-o', key: k('onlyo6'), providers: ['o'] },
            { name: 'globby', key: k('globby6'), models: ['claude-*'] },
            { name: 'ops', key: ADMIN, admin: true, models: [] },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await a.close();
    await o.close();
  });
  const ids = async (key: string) =>
    ((await call(`${gw.url}/v1/models`, key)).json.data as Array<{ id: string }>).map((m) => m.id).sort();

  it('the listing holds only names the key may use: its list, its providers; an alias of unlisted targets is left out', async () => {
    expect(await ids(k('narrow6'))).toEqual(['emb', 'm', 'open-alias']);
    // Provider-restricted: every name with a target on `o`, none served only by `a`.
    expect(await ids(k('onlyo6'))).toEqual(['emb', 'gpt-secret-project', 'm', 'open-alias', 'pool']);
    // `claude-*` matches `claude-only`; the alias `pool` (one of whose targets it matches) is a name
    // no entry matches: not listed, as it would be refused.
    expect(await ids(k('globby6'))).toEqual(['claude-only']);
    expect(
      (
        await call(`${gw.url}/v1/chat/completions`, k('globby6'), {
          model: 'pool',
          messages: [{ role: 'user', content: 'hi' }],
        })
      ).status,
    ).toBe(403);
    expect(await ids(ADMIN)).toEqual([]);
  });

  it('HEAD and GET /v1/models without a key, or with a key in the query string, are refused with no listing', async () => {
    for (const method of ['GET', 'HEAD']) {
      const none = await raw(`${gw.url}/v1/models`, method, {});
      expect(none.status).toBe(401);
      expect(none.body).not.toContain('gpt-secret-project');
      const query = await raw(`${gw.url}/v1/models?Api-Key=${k('narrow6')}`, method, {
        authorization: `Bearer ${k('narrow6')}`,
      });
      expect(query.status).toBe(401);
      expect(query.body).not.toContain('emb');
    }
  });

  it("count_tokens of a provider-restricted key is estimated from its own provider, never sent to the other's counter", async () => {
    const before = a.received.length;
    const res = await call(`${gw.url}/v1/messages/count_tokens`, k('onlyo6'), {
      model: 'm',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-switchyard-warnings']).toContain('estimated by the gateway');
    expect(a.received.length).toBe(before);
    // A model only `a` serves is refused, not counted by `a` nor estimated.
    const only = await call(`${gw.url}/v1/messages/count_tokens`, k('onlyo6'), {
      model: 'claude-only',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(only.status).toBeGreaterThanOrEqual(400);
    expect(only.json?.input_tokens).toBeUndefined();
    expect(a.received.length).toBe(before);
  });

  it('count_tokens and embeddings through an alias reach only targets in the key list', async () => {
    const beforeA = a.received.length;
    const counted = await call(`${gw.url}/v1/messages/count_tokens`, k('narrow6'), {
      model: 'pool',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(counted.status).toBe(403);
    const embedded = await call(`${gw.url}/v1/embeddings`, k('narrow6'), { model: 'pool', input: 'hi' });
    expect(embedded.status).toBe(403);
    expect(a.received.length).toBe(beforeA);
    expect(o.received.some((r) => r.body.model === 'gpt-secret-project')).toBe(false);
  });
});

describe('kept Responses under other methods and spellings', () => {
  it("HEAD, a trailing slash, an encoded id and input_items with `after` do not reach another key's response", async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const gw = await startGateway({
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
      plugins: {
        'circuit-breaker': false,
        auth: {
          keys: [
            { name: 'alice', key: k('alice6') },
            { name: 'bob', key: k('bob6') },
          ],
        },
      },
    });
    try {
      const made = await call(`${gw.url}/v1/responses`, k('alice6'), { model: 'm', input: 'alice secret plan' });
      expect(made.status).toBe(200);
      const id = made.json.id as string;
      const bob = { authorization: `Bearer ${k('bob6')}` };
      for (const path of [
        `/v1/responses/${id}`,
        `/v1/responses/${id}/`,
        `/v1/responses/${encodeURIComponent(id)}`,
        `/v1/responses/${id}/input_items?after=x&order=asc&limit=100`,
        `/v1/responses/${id}?include[]=message.input_image.image_url`,
      ]) {
        for (const method of ['GET', 'HEAD']) {
          const res = await raw(`${gw.url}${path}`, method, bob);
          expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
          expect(res.body).not.toContain('alice secret plan');
        }
      }
      expect((await raw(`${gw.url}/v1/responses/${id}`, 'DELETE', bob)).status).toBe(404);
      // Alice still has it, whole.
      const mine = await call(`${gw.url}/v1/responses/${id}/input_items`, k('alice6'));
      expect(mine.text).toContain('alice secret plan');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

const UPSTREAM_KEY = 'Zq9xLocalVllmToken0123456789';
const HEADER_SECRET = 'HeaderSecretValue987654321';
const PROMPT = 'PROMPT-SENTINEL-the-merger-closes-friday';

/** An OpenAI-compatible upstream that answers each request by its user text, quoting what it was sent. */
async function quotingUpstream() {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      const quoted = `key ${req.headers.authorization} secret ${String(req.headers['x-api-secret'])} prompt ${text.slice(0, 200)}`;
      const status = ({ e401: 401, e400: 400, e429: 429, e500: 500 } as Record<string, number>)[
        body.messages?.[0]?.content?.split(' ')[0]
      ];
      if (status) {
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-ratelimit-remaining-requests': '0',
          'x-echo': String(req.headers.authorization),
        });
        res.end(
          JSON.stringify({
            error: { message: `Incorrect API key provided: ${quoted}`, type: 'invalid_request_error' },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
      res.end(JSON.stringify(chatAnswer('m', { prompt_tokens: 3, completion_tokens: 1 })));
    });
  });
  return listening(server);
}

describe('upstream error answers quoting the upstream key; what logs, traces and the console keep of a prompt', () => {
  const exporter = new InMemorySpanExporter();
  let up: Awaited<ReturnType<typeof quotingUpstream>>;
  let gw: RunningGateway;
  const log = memoryLogger();
  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    up = await quotingUpstream();
    gw = await startGateway(
      {
        providers: [
          {
            name: 'v',
            type: 'openai',
            baseUrl: up.baseUrl,
            apiKey: UPSTREAM_KEY,
            headers: { 'x-api-secret': HEADER_SECRET },
            models: ['m'],
          } as never,
        ],
        plugins: {
          'circuit-breaker': false,
          otel: {},
          auth: {
            keys: [
              { name: 'app', key: k('app6') },
              { name: 'ops', key: ADMIN, admin: true },
            ],
          },
        },
      },
      { plugins: [otel()], logger: log.logger },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    trace.disable();
    propagation.disable();
  });

  const secrets = [UPSTREAM_KEY, HEADER_SECRET, k('app6'), ADMIN];
  const leaks = (text: string) => secrets.filter((s) => text.includes(s));

  it('a 401, 400, 429 or 500 quoting the key, a secret header and the prompt: the caller reads none of the secrets', async () => {
    for (const [word, status] of [
      ['e401', 502],
      ['e400', 400],
      ['e429', 429],
      ['e500', 502],
    ] as const) {
      for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/responses']) {
        const body =
          path === '/v1/responses'
            ? { model: 'm', input: `${word} ${PROMPT}` }
            : { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: `${word} ${PROMPT}` }] };
        const res = await call(`${gw.url}${path}`, k('app6'), body);
        expect({ word, path, status: res.status }).toEqual({ word, path, status });
        expect(res.text).toContain('Incorrect API key provided');
        expect(leaks(res.text + JSON.stringify(res.headers))).toEqual([]);
      }
    }
  });

  it('log lines, spans, the console tail and traffic, /admin/routes and /metrics hold no secret, and no prompt but in an upstream error', async () => {
    const ok = await call(`${gw.url}/v1/chat/completions`, k('app6'), {
      model: 'm',
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect(ok.status).toBe(200);
    await until(() => exporter.getFinishedSpans().some((s) => s.attributes['http.response.status_code'] === 200), {
      what: 'the span of the served request',
    });
    const spans = exporter
      .getFinishedSpans()
      .map((s) => JSON.stringify({ name: s.name, attributes: s.attributes, status: s.status, events: s.events }));
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.flatMap(leaks)).toEqual([]);
    // Spans carry no request text at all (an upstream error's words aside, which are status messages).
    expect(spans.filter((s) => s.includes(PROMPT) && !s.includes('Incorrect API key'))).toEqual([]);
    const pages = await Promise.all(
      [
        '/admin/console/requests',
        '/admin/console/traffic',
        '/admin/routes',
        '/admin/config',
        '/metrics',
        '/admin/circuits',
      ].map(async (p) => ({ p, text: (await call(`${gw.url}${p}`, ADMIN)).text })),
    );
    for (const { p, text } of pages) {
      expect({ p, leaks: leaks(text) }).toEqual({ p, leaks: [] });
      expect({ p, prompt: text.includes(PROMPT) }).toEqual({ p, prompt: false });
    }
    const servedLine = (l: string): boolean => l.includes('"status":200') && l.includes('"msg":"request"');
    await until(() => log.lines.some((l) => servedLine(JSON.stringify(l))), { what: "the served request's log line" });
    const lines = log.lines.map((l) => JSON.stringify(l));
    expect(lines.flatMap(leaks)).toEqual([]);
    // The served request's line holds no prompt text.
    const served = lines.filter(servedLine);
    expect(served.length).toBeGreaterThan(0);
    expect(served.filter((l) => l.includes(PROMPT))).toEqual([]);
  });
});

describe('console files and /metrics behind the admin key', () => {
  it('console asset paths that climb out of the bundle serve nothing; a caller key reads no console data', async () => {
    const gw = await startGateway({
      providers: [mockProvider('u', 'http://upstream.invalid/v1', { models: ['m'] })],
      plugins: {
        auth: {
          keys: [
            { name: 'app', key: k('capp6') },
            { name: 'ops', key: ADMIN, admin: true },
          ],
        },
        metrics: { requireAdminKey: true },
      },
    });
    try {
      for (const file of [
        '..%2f..%2fpackage.json',
        '%2e%2e%2findex.html',
        '..%5c..%5cpackage.json',
        'index.html',
        '.',
      ]) {
        const res = await raw(`${gw.url}/console/assets/${file}`, 'GET', {});
        expect({ file, status: res.status }).toEqual({ file, status: 404 });
        expect(res.body).not.toContain('"name"');
      }
      for (const method of ['GET', 'HEAD']) {
        for (const path of ['/admin/console/requests', '/admin/console/traffic', '/metrics']) {
          const caller = await raw(`${gw.url}${path}`, method, { authorization: `Bearer ${k('capp6')}` });
          expect({ method, path, status: caller.status }).toEqual({ method, path, status: 403 });
          expect(caller.body).not.toContain('switchyard_');
          const none = await raw(`${gw.url}${path}`, method, {});
          expect({ method, path, status: none.status }).toEqual({ method, path, status: 401 });
        }
      }
      expect((await call(`${gw.url}/metrics`, ADMIN)).text).toContain('switchyard_info');
    } finally {
      await gw.close();
    }
  });
});

describe('embeddings an upstream reports no usage for', () => {
  it('are charged their reservation, single and batched (Gemini embedContent)', async () => {
    const up = await startScriptedUpstream((body, path) =>
      path.includes('batch')
        ? { embeddings: (body.requests ?? []).map(() => ({ values: [0.1] })) }
        : { embedding: { values: [0.1] } },
    );
    const setup = await budgeted({
      keys: [{ name: 'g', key: k('gemb6'), budget: { usd: 1, period: 'day' } }],
      catalog: {},
      providers: [geminiAt(up.baseUrl, 'gemini-embedding-001')],
    });
    try {
      const one = await call(`${setup.gw.url}/v1/embeddings`, k('gemb6'), {
        model: 'gemini-embedding-001',
        input: 'word '.repeat(20_000),
      });
      expect(one.status).toBe(200);
      await setup.finished.next();
      // 100,000 characters: 25,000 tokens at $0.15 per 1M.
      expect((await budgetOf(setup.gw.url, ADMIN, 'g')).spentUsd).toBeCloseTo(0.00375, 8);
      const two = await call(`${setup.gw.url}/v1/embeddings`, k('gemb6'), {
        model: 'gemini-embedding-001',
        input: ['word '.repeat(20_000), 'word '.repeat(20_000)],
      });
      expect(two.status).toBe(200);
      await setup.finished.next();
      expect((await budgetOf(setup.gw.url, ADMIN, 'g')).spentUsd).toBeCloseTo(0.00375 * 3, 8);
      expect(up.received.map((r) => r.path.split(':').pop())).toEqual(['embedContent', 'batchEmbedContents']);
    } finally {
      await setup.gw.close();
      await up.close();
    }
  });
});

describe('count_tokens against a request limit', () => {
  it('estimated by the gateway or counted upstream, each counts: past the limit neither is answered nor sent', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const an = await startScriptedUpstream((body, path) =>
      path.endsWith('/count_tokens')
        ? { input_tokens: 3 }
        : messagesAnswer(body.model, { input_tokens: 1, output_tokens: 1 }),
    );
    const gw = await startGateway({
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] }), { ...anthropicAt(an.baseUrl), models: ['c'] }],
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'r', key: k('rpm6'), limits: { requestsPerMinute: 3 } }] },
      },
    });
    const count = (model: string) =>
      call(`${gw.url}/v1/messages/count_tokens`, k('rpm6'), { model, messages: [{ role: 'user', content: 'hi' }] });
    try {
      const statuses = [(await count('m')).status, (await count('m')).status, (await count('c')).status];
      expect(statuses).toEqual([200, 200, 200]);
      expect(an.received.length).toBe(1);
      expect([(await count('m')).status, (await count('c')).status]).toEqual([429, 429]);
      expect(an.received.length).toBe(1);
      const chat = await call(`${gw.url}/v1/chat/completions`, k('rpm6'), {
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.status).toBe(429);
      expect(up.received.length).toBe(0);
    } finally {
      await gw.close();
      await up.close();
      await an.close();
    }
  });
});

describe('hosts: a URL a caller puts in a prompt is never fetched by the gateway', () => {
  it('image and file URLs converted for Anthropic and Gemini upstreams reach no other host', async () => {
    let fetched = 0;
    const bait = createServer((req, res) => {
      fetched++;
      res.end('x');
    });
    await new Promise<void>((resolve) => bait.listen(0, '127.0.0.1', resolve));
    const baitUrl = `http://127.0.0.1:${(bait.address() as AddressInfo).port}`;
    const an = await startScriptedUpstream((body) => messagesAnswer(body.model, { input_tokens: 1, output_tokens: 1 }));
    const ge = await startScriptedUpstream(() => ({
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    }));
    const gw = await startGateway({
      providers: [{ ...anthropicAt(an.baseUrl), models: ['c'] }, geminiAt(ge.baseUrl, 'gemini-2.5-flash')],
      plugins: { 'circuit-breaker': false },
    });
    try {
      for (const model of ['c', 'gemini-2.5-flash']) {
        const res = await call(`${gw.url}/v1/chat/completions`, null, {
          model,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'look' },
                { type: 'image_url', image_url: { url: `${baitUrl}/cat.png` } },
                { type: 'file', file: { file_data: `${baitUrl}/doc.pdf` } },
              ],
            },
          ],
        });
        expect(res.status).toBeLessThan(500);
      }
      // A gateway that fetched a URL would do so while converting the request, before its answer came back.
      expect(fetched).toBe(0);
    } finally {
      await gw.close();
      await an.close();
      await ge.close();
      await new Promise<void>((resolve) => bait.close(() => resolve()));
    }
  });
});
