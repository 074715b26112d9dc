/**
 * A hole the ninth rule-bypass pass closed: an Azure OpenAI instance passed a caller's
 * `data_sources` ("On Your Data") on to Azure, which then queries the search service, database or
 * Elasticsearch endpoint the caller names — with the gateway's managed identity when the caller
 * asks `system_assigned_managed_identity`, so any index the gateway's Azure resource may read
 * (another tenant's), or any host the caller picks — and bills the documents it retrieved as
 * prompt tokens no budget or limit saw. It is refused now, unless the instance's
 * `allowDataSources` lets it through; then it is reserved, and counted per minute, up to the
 * model's context window. Each refusal failed before the fix (200, the data source sent upstream).
 */
import { describe, expect, it } from 'vitest';
import { budgeted, chatAnswer, k, spendOn, startScriptedUpstream } from '../support/rule-probes-5.js';

const SOURCE = {
  type: 'azure_search',
  parameters: {
    endpoint: 'https://another-tenant.search.example.test',
    index_name: 'hr-documents',
    authentication: { type: 'system_assigned_managed_identity' },
  },
};

const ask = {
  model: 'gpt-4o',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'what do the documents say?' }],
  data_sources: [SOURCE],
};

/** Key `ds` ($1 a day, 100,000 tokens a minute) on an Azure instance of gpt-4o (a 128,000-token window, $2.50 / $10 per 1M). */
async function azure(allow?: boolean, budgetUsd = 1, apiVersion?: string) {
  const up = await startScriptedUpstream((body) =>
    chatAnswer(body.model, { prompt_tokens: 9000, completion_tokens: 10 }),
  );
  const setup = await budgeted({
    keys: [
      { name: 'ds', key: k('ds'), budget: { usd: budgetUsd, period: 'day' }, limits: { tokensPerMinute: 500_000 } },
    ],
    catalog: { 'gpt-4o': { pricing: { input: 2.5, output: 10 }, contextWindow: 128_000, maxOutputTokens: 16_384 } },
    providers: [
      {
        name: 'az',
        type: 'azure-openai',
        baseUrl: up.baseUrl.replace(/\/v1$/, ''),
        apiKey: 'azure-upstream-test-credential',
        deployments: { 'gpt-4o': 'gpt4o-prod' },
        ...(apiVersion ? { apiVersion } : {}),
        ...(allow === undefined ? {} : { allowDataSources: allow }),
      },
    ],
  });
  return { up, setup, close: async () => (await setup.gw.close(), await up.close()) };
}

describe('Azure On Your Data (data_sources) named by a caller', () => {
  it('is refused before the upstream, nothing charged; the question without it is answered', async () => {
    const { up, setup, close } = await azure();
    try {
      const refused = await spendOn(setup, up, 'ds', '/v1/chat/completions', ask);
      expect(refused).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
      expect(refused.message).toContain('data_sources');
      const { data_sources: _sources, ...plain } = ask;
      expect(await spendOn(setup, up, 'ds', '/v1/chat/completions', plain)).toMatchObject({ status: 200, sent: 1 });
    } finally {
      await close();
    }
  });

  it('a Responses body passed through to a v1 deployment: refused too', async () => {
    const { up, setup, close } = await azure(undefined, 1, 'v1');
    try {
      const body = {
        model: 'gpt-4o',
        max_output_tokens: 100,
        input: 'what do the documents say?',
        data_sources: [SOURCE],
      };
      const refused = await spendOn(setup, up, 'ds', '/v1/responses', body);
      expect(refused).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
      expect(refused.message).toContain('data_sources');
    } finally {
      await close();
    }
  });

  it('allowDataSources: true lets it through, reserved up to the context window', async () => {
    // The window, 128,000 tokens at $2.50 per 1M, is $0.32: a $0.25 budget cannot hold it.
    const small = await azure(true, 0.25);
    try {
      expect(await spendOn(small.setup, small.up, 'ds', '/v1/chat/completions', ask)).toMatchObject({
        status: 402,
        sent: 0,
      });
    } finally {
      await small.close();
    }
    const { up, setup, close } = await azure(true);
    try {
      const done = await spendOn(setup, up, 'ds', '/v1/chat/completions', ask);
      expect(done).toMatchObject({ status: 200, sent: 1 });
      expect(up.received[0]!.body.data_sources).toEqual([SOURCE]);
    } finally {
      await close();
    }
  });
});
