/**
 * An aggregator's per-request router in the caller's body, found by the eighth rule-bypass pass,
 * closed: LiteLLM proxy's `user_config`, a whole router configuration (a model list mapping any
 * name to any model and `api_base`, with fallbacks) that the proxy routes the request by instead of
 * its own. The sixth pass dropped the aggregators' single routing fields (`models`, `fallbacks`,
 * `api_base`...); this one passed. The test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { answerAt, k, startScriptedUpstream } from '../support/rule-probes-5.js';

const FOREIGN = 'openai/gpt-5-pro';

/** A LiteLLM-like upstream: a `user_config` model list naming the body's model routes it to the model (and host) the entry names. */
const litellm = () =>
  startScriptedUpstream((body, path) => {
    const entry = body.user_config?.model_list?.find((m: any) => m.model_name === body.model);
    const model = entry?.litellm_params?.model ?? body.model;
    return answerAt(path, model);
  });

describe("LiteLLM's user_config in the body", () => {
  // Was: passed on as the caller sent it: a key allowed only `cheap-*` mapped `cheap-m` to
  // openai/gpt-5-pro (on the proxy's own credentials, or at an api_base of its choosing) and was
  // answered by it, priced as cheap-m. Now dropped with a warning, as the other routing fields are.
  const userConfig = {
    model_list: [
      { model_name: 'cheap-m', litellm_params: { model: FOREIGN, api_base: 'http://elsewhere.invalid/v1' } },
    ],
    fallbacks: [{ 'cheap-m': [FOREIGN] }],
  };
  it.each([
    ['Chat Completions', '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
    ['embeddings', '/v1/embeddings', { input: 'text' }],
    ['Responses to a Responses upstream', '/v1/responses', { input: 'hi' }],
  ] as const)("%s: no model outside the key's list is named to the upstream, nor answers", async (_, path, extra) => {
    const up = await litellm();
    const gw = await startGateway({
      providers: [mockProvider('lite', up.baseUrl, { models: ['cheap-m'], responsesApi: true })],
      plugins: { 'circuit-breaker': false, auth: { keys: [{ name: 'r', key: k('uc8'), models: ['cheap-*'] }] } },
    });
    try {
      const res = await call(`${gw.url}${path}`, k('uc8'), { model: 'cheap-m', ...extra, user_config: userConfig });
      const named = up.received.filter((r) => JSON.stringify(r.body).includes(FOREIGN)).length;
      expect({ status: res.status, named, answeredBy: res.json?.model }).toEqual({
        status: 200,
        named: 0,
        answeredBy: 'cheap-m',
      });
      expect(res.headers['x-switchyard-warnings']).toMatch(/user_config dropped/);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
