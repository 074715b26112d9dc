/**
 * A hole the ninth rule-bypass pass closed: an OpenAI-compatible instance (type `openai`) passed a
 * caller's Gemini cached content on to the upstream — `extra_body.google.cached_content` for
 * Gemini's and Vertex AI's OpenAI-compatible endpoints, `cached_content` for LiteLLM. A cached
 * content belongs to the upstream account, which every key of the gateway shares: a caller could
 * be answered from a cache another tenant made (its data), with up to the model's window of input
 * that no budget or limit saw. It is refused now, unless the instance's `allowCachedContent` lets it
 * through. Each refusal failed before the fix (200, the name sent upstream).
 */
import { describe, expect, it } from 'vitest';
import { answerAt, budgeted, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const CACHE = 'cachedContents/another-tenants-cache';

/** Chat bodies naming a cached content the way each OpenAI-compatible upstream reads it. */
const NAMED: Array<[label: string, extra: Record<string, unknown>, param: string]> = [
  [
    'extra_body.google.cached_content',
    { extra_body: { google: { cached_content: CACHE } } },
    'extra_body.google.cached_content',
  ],
  [
    'extra_body.google.cachedContent',
    { extra_body: { google: { cachedContent: CACHE } } },
    'extra_body.google.cachedContent',
  ],
  ['google.cached_content', { google: { cached_content: CACHE } }, 'google.cached_content'],
  ['cached_content (LiteLLM)', { cached_content: CACHE }, 'cached_content'],
];

const ask = (extra: Record<string, unknown>) => ({
  model: 'gemini-2.5-flash',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'what does the document say?' }],
  ...extra,
});

/** A budgeted key `cc` on an OpenAI-compatible instance of Gemini; `allow` sets its allowCachedContent. */
async function compatible(allow?: boolean, responsesApi = false) {
  const up = await startScriptedUpstream((body, path) => answerAt(path, body.model));
  const setup = await budgeted({
    keys: [{ name: 'cc', key: k('cc'), budget: { usd: 1, period: 'day' } }],
    catalog: {
      'gemini-2.5-flash': { pricing: { input: 0.3, output: 2.5 }, contextWindow: 1_048_576, maxOutputTokens: 65_536 },
    },
    providers: [
      {
        name: 'gemini-compat',
        type: 'openai',
        baseUrl: up.baseUrl,
        apiKey: 'gemini-upstream-test-credential',
        models: ['gemini-2.5-flash'],
        responsesApi,
        ...(allow === undefined ? {} : { allowCachedContent: allow }),
      },
    ],
  });
  return { up, setup, close: async () => (await setup.gw.close(), await up.close()) };
}

describe("a Gemini cached content named to an OpenAI-compatible instance (the upstream account's, not the key's)", () => {
  for (const [label, extra, param] of NAMED)
    it(`${label}: refused before the upstream, nothing charged`, async () => {
      const { up, setup, close } = await compatible();
      try {
        const refused = await spendOn(setup, up, 'cc', '/v1/chat/completions', ask(extra));
        expect(refused).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
        expect(refused.message).toContain(param);
        // The same question without it is answered.
        expect(await spendOn(setup, up, 'cc', '/v1/chat/completions', ask({}))).toMatchObject({ status: 200, sent: 1 });
      } finally {
        await close();
      }
    });

  it('a Responses body passed through to an instance serving the Responses API: refused too', async () => {
    const { up, setup, close } = await compatible(undefined, true);
    try {
      const body = {
        model: 'gemini-2.5-flash',
        max_output_tokens: 100,
        input: 'what does it say?',
        cached_content: CACHE,
      };
      const refused = await spendOn(setup, up, 'cc', '/v1/responses', body);
      expect(refused).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
      expect(refused.message).toContain('cached_content');
    } finally {
      await close();
    }
  });

  it('allowCachedContent: true lets it through to the upstream', async () => {
    const { up, setup, close } = await compatible(true);
    try {
      const body = ask({ extra_body: { google: { cached_content: CACHE } } });
      expect(await spendOn(setup, up, 'cc', '/v1/chat/completions', body)).toMatchObject({ status: 200, sent: 1 });
      expect(up.received[0]!.body.extra_body).toEqual({ google: { cached_content: CACHE } });
    } finally {
      await close();
    }
  });
});
