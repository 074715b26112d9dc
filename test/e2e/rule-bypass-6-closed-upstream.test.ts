/**
 * Ways around a rule the sixth rule-bypass pass found between the gateway and its upstreams,
 * closed: an upstream's error inside a stream quoting the gateway's upstream key, and an
 * aggregator upstream's own routing fields in the caller's body. Each test failed before its fix.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { memoryLogger, mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { until } from '../support/wait.js';
import { answerAt, k, listening, startScriptedUpstream } from '../support/rule-probes-5.js';

/**
 * A loopback OpenAI-compatible upstream that answers every request with an error quoting `secret`,
 * in a 200 stream: at once, or (`midStream`) after a first chunk, once release() is called.
 */
async function echoingUpstream(secret: string, midStream: boolean) {
  const held: Array<() => void> = [];
  const error = `data: ${JSON.stringify({ error: { message: `Incorrect API key provided: ${secret}`, type: 'invalid_request_error' } })}\n\n`;
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (!midStream) return void res.end(error);
      const chunk = {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { role: 'assistant', content: 'he' }, finish_reason: null }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      held.push(() => res.end(error));
    });
  });
  return { ...(await listening(server)), release: () => held.shift()?.() };
}

/** POSTs a streamed request; once the gateway has answered its head (it commits at the first event), the upstream may go on. */
async function streamed(url: string, key: string, body: unknown, goOn: () => void): Promise<{ text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  goOn();
  return { text: await res.text() };
}

describe("an upstream's error inside a stream, quoting the gateway's upstream key", () => {
  // Today: an upstream error answered with a status (401, 400 ...) has the instance's secrets cut
  // out (core/src/upstream/upstream-error.ts scrub(), by value) before anyone sees it. The same
  // error sent inside a 200 stream (an OpenAI-compatible server or a proxy reporting a bad key in
  // its stream, an Anthropic `event: error`) becomes the 502 message (attempt.ts firstEvent, from
  // `obs.error`) or the closing error event (stream-delivery.ts) with only shape masking
  // (maskText: sk-…, AIza…, Bearer …): a key of another shape (vLLM / TGI tokens, Azure's 32 hex
  // digits, a company proxy's) reaches the caller, a low-privilege gateway key holder, and the log.
  const SECRET = 'Zq9xLocalVllmToken0123456789';
  for (const midStream of [false, true]) {
    it(`${midStream ? 'after the first event' : 'before the first event'}: the key reaches neither the caller nor the log`, async () => {
      const up = await echoingUpstream(SECRET, midStream);
      const { logger, lines } = memoryLogger();
      const gw = await startGateway(
        {
          providers: [{ name: 'v', type: 'openai', baseUrl: up.baseUrl, apiKey: SECRET, models: ['m'] } as never],
          plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'a', key: k('a6') }] } },
        },
        { logger },
      );
      try {
        const answers = [
          await streamed(
            `${gw.url}/v1/chat/completions`,
            k('a6'),
            { model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] },
            up.release,
          ),
          // Converted for an Anthropic caller: the gateway writes the error event itself.
          await streamed(
            `${gw.url}/v1/messages`,
            k('a6'),
            { model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] },
            up.release,
          ),
        ];
        const logged = (l: Record<string, unknown>): boolean =>
          JSON.stringify(l).includes('Incorrect API key provided');
        await until(() => lines.filter(logged).length >= 2, { what: "both requests' upstream error logged" });
        for (const a of answers) expect(a.text).toContain('Incorrect API key provided');
        // After the first event the caller got it, then the error: the stream had begun.
        if (midStream) for (const a of answers) expect(a.text).toContain('"he"');
        expect(answers.filter((a) => a.text.includes(SECRET)).map((a) => a.text.slice(0, 200))).toEqual([]);
        expect(lines.filter((l) => JSON.stringify(l).includes(SECRET)).length).toBe(0);
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }
});

describe("an aggregator upstream's own routing fields in the body (OpenRouter `models`, LiteLLM `fallbacks`)", () => {
  // Today: an OpenAI-compatible upstream is sent the caller's body "as sent", `model` replaced
  // (provider-openai buildRequest: `{ ...source, model: target.model }`; responsesBody for Responses;
  // embeddings the same). Aggregators that are OpenAI-compatible read routing fields of their own
  // from the body: OpenRouter's `models` (fallback models tried when the first fails — a prompt too
  // long for it, a moderation refusal, an outage), `route`, `provider` and `plugins` (web search at
  // its own fee); LiteLLM proxy's `fallbacks`. A key allowed only `cheap-*` names `openai/gpt-5-pro`
  // there, makes the first model fail (a prompt over its window), and is answered by a model outside
  // its list — priced as `cheap-m`, so past its budget too. The gateway checks only `model`.
  const FOREIGN = 'openai/gpt-5-pro';
  /** An OpenRouter-like upstream: when `models` or `fallbacks` are given and the prompt is "too long" for the first model, the next answers. */
  const aggregator = () =>
    startScriptedUpstream((body, path) => {
      const fallback = [...(body.models ?? []), ...(body.fallbacks ?? [])][0];
      const model = fallback && JSON.stringify(body).includes('LONG') ? fallback : body.model;
      return answerAt(path, model);
    });
  const cases = [
    [
      'Chat Completions, OpenRouter `models`',
      '/v1/chat/completions',
      { messages: [{ role: 'user', content: 'LONG prompt' }], models: [FOREIGN], route: 'fallback' },
    ],
    [
      'Chat Completions, LiteLLM `fallbacks`',
      '/v1/chat/completions',
      { messages: [{ role: 'user', content: 'LONG prompt' }], fallbacks: [FOREIGN] },
    ],
    ['embeddings, OpenRouter `models`', '/v1/embeddings', { input: 'LONG text', models: [FOREIGN] }],
    [
      'Responses to a Responses upstream, OpenRouter `models`',
      '/v1/responses',
      { input: 'LONG prompt', models: [FOREIGN] },
    ],
  ] as const;
  for (const [label, path, extra] of cases) {
    it(`${label}: no model outside the key's list is named to the upstream, nor answers`, async () => {
      const up = await aggregator();
      const gw = await startGateway({
        providers: [mockProvider('or', up.baseUrl, { models: ['cheap-m'], responsesApi: true })],
        plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'r', key: k('or6'), models: ['cheap-*'] }] } },
      });
      try {
        const res = await call(`${gw.url}${path}`, k('or6'), { model: 'cheap-m', ...extra });
        const named = up.received.filter((r) => JSON.stringify(r.body).includes(FOREIGN)).length;
        expect({ status: res.status, named, answeredBy: res.json?.model }).toEqual({
          status: 200,
          named: 0,
          answeredBy: 'cheap-m',
        });
        expect(res.headers['x-switchyard-warnings']).toMatch(/(models|fallbacks)(, route)? dropped/);
      } finally {
        await gw.close();
        await up.close();
      }
    });
  }

  it("an instance's allowRoutingFields lets the fields it names through, and only those", async () => {
    const up = await aggregator();
    const gw = await startGateway({
      providers: [mockProvider('or', up.baseUrl, { models: ['cheap-m'], allowRoutingFields: ['provider'] })],
      plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'r', key: k('or6'), models: ['cheap-*'] }] } },
    });
    try {
      const res = await call(`${gw.url}/v1/chat/completions`, k('or6'), {
        model: 'cheap-m',
        messages: [{ role: 'user', content: 'hi' }],
        provider: { order: ['deepinfra'] },
        models: [FOREIGN],
      });
      expect(res.status, res.text).toBe(200);
      expect(up.received[0]!.body.provider).toEqual({ order: ['deepinfra'] });
      expect(up.received[0]!.body.models).toBeUndefined();
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
