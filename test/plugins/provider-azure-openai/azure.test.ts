import { describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import { models } from '@switchyard/plugin-models';
import type { Exchange, ProviderInstance } from '@switchyard/core';
import {
  azureAdapter,
  azureOpenAI,
  azureUrl,
  classifyAzureError,
  deploymentModels,
  describeFilter,
  outputFilterWarning,
  promptFilterMessage,
} from '@switchyard/provider-azure-openai';
import { providerInstance } from '../../support/provider-instance.js';
import { routesOf } from '../../support/gateway.js';

const instance = (
  name: string,
  options: Record<string, unknown>,
  extra: Partial<ProviderInstance> = {},
): ProviderInstance =>
  providerInstance({
    name,
    type: 'azure-openai',
    baseUrl: 'https://contoso.openai.azure.com',
    discoverIntervalMs: 1,
    discoverTimeoutMs: 1,
    options,
    ...extra,
  });

/** Azure's answer to a prompt its content filter blocks (as documented, with a jailbreak check). */
const BLOCKED = JSON.stringify({
  error: {
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
    type: null,
    param: 'prompt',
    code: 'content_filter',
    status: 400,
    innererror: {
      code: 'ResponsibleAIPolicyViolation',
      content_filter_result: {
        hate: { filtered: true, severity: 'high' },
        jailbreak: { filtered: true, detected: true },
        self_harm: { filtered: false, severity: 'safe' },
        sexual: { filtered: false, severity: 'safe' },
        violence: { filtered: false, severity: 'low' },
      },
    },
  },
});

describe('Azure content filter', () => {
  it('names the filtered categories and keeps the annotations in the message', () => {
    const message = promptFilterMessage(BLOCKED)!;
    expect(
      message.startsWith("Azure OpenAI's content filter blocked the prompt: hate (high), jailbreak (detected)."),
    ).toBe(true);
    expect(JSON.parse(message.split('content_filter_result=')[1]!)).toEqual(
      JSON.parse(BLOCKED).error.innererror.content_filter_result,
    );
    expect(promptFilterMessage('{"error":{"code":"429","message":"slow"}}')).toBeUndefined();
    expect(promptFilterMessage('not json')).toBeUndefined();
  });

  it("classifies a blocked prompt as the caller's error with code content_filter, and refused credentials as failures", () => {
    expect(classifyAzureError(400, BLOCKED)).toMatchObject({
      outcome: 'business_error',
      code: 'content_filter',
      type: 'invalid_request_error',
    });
    expect(
      classifyAzureError(401, '{"error":{"code":"401","message":"Access denied due to invalid subscription key"}}')
        .outcome,
    ).toBe('failure');
    expect(classifyAzureError(403, '{"error":{"code":"403","message":"Public access is disabled."}}').outcome).toBe(
      'failure',
    );
    expect(classifyAzureError(429, '{"error":{"code":"429","message":"Rate limit"}}').outcome).toBe('rate_limited');
    expect(
      classifyAzureError(
        404,
        '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}',
      ),
    ).toMatchObject({ outcome: 'business_error', code: 'DeploymentNotFound' });
  });

  it('describes an answer cut short', () => {
    expect(
      outputFilterWarning({
        violence: { filtered: true, severity: 'high' },
        hate: { filtered: false, severity: 'safe' },
      }),
    ).toBe("Azure OpenAI's content filter cut the answer short: violence (high)");
    expect(describeFilter(undefined)).toBe('unspecified categories');
  });
});

describe('Azure deployments and URLs', () => {
  it('builds deployment URLs with api-version, or v1 URLs', () => {
    expect(azureUrl(instance('a', { apiVersion: '2024-10-21' }), 'gpt 4o', 'chat/completions')).toBe(
      'https://contoso.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21',
    );
    expect(azureUrl(instance('a', { apiVersion: 'v1' }), 'gpt4o', 'responses')).toBe(
      'https://contoso.openai.azure.com/openai/v1/responses',
    );
  });

  it('serves the keys of its deployments when it lists no models: by name, by priority, as instance/model; aliases unchanged', async () => {
    const entry = (name: string, extra: Record<string, unknown>) => ({
      name,
      type: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: `key-${name}`,
      ...extra,
    });
    const gateway = await createGateway({
      plugins: [models(), azureOpenAI()],
      logger: createLogger({ level: 'silent' }),
      config: {
        providers: [
          entry('a', { deployments: { 'gpt-4o': 'prod' }, priority: 2 }),
          entry('b', { deployments: { 'gpt-4o': 'prod-b' }, priority: 1 }),
          entry('listed', { deployments: { 'gpt-4o': 'x' }, models: ['gpt-4o-mini'] }),
          entry('plain', { deployments: { other: 'x' } }),
        ],
        models: [{ name: 'smart', targets: ['a/gpt-4o'] }],
      },
    });
    try {
      const { resolver } = routesOf(gateway);
      const ids = (model: string) => resolver.resolve(model).map((t) => t.id);
      expect(ids('gpt-4o')).toEqual(['b/gpt-4o', 'a/gpt-4o']);
      expect(ids('other')).toEqual(['plain/other']);
      expect(ids('plain/other')).toEqual(['plain/other']);
      expect(ids('plain/gpt-4o')).toEqual([]);
      expect(ids('listed/gpt-4o')).toEqual([]);
      expect(ids('gpt-4o-mini')).toEqual(['listed/gpt-4o-mini']);
      expect(ids('smart')).toEqual(['a/gpt-4o']);
      expect(resolver.publicModels().sort()).toEqual(['gpt-4o', 'gpt-4o-mini', 'other', 'smart']);
      expect(gateway.instances.map(deploymentModels)).toEqual([['gpt-4o'], ['gpt-4o'], undefined, ['other']]);
    } finally {
      await gateway.close();
    }
  });
});

describe('Azure chat stream → canonical chunks', () => {
  const adapter = azureAdapter(async () => ({}));
  const chunk = (fields: Record<string, unknown>) => ({
    data: JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', ...fields }),
  });
  const decode = async (events: Array<{ data: string }>) => {
    const warnings: string[] = [];
    const x = { target: undefined, warn: (m: string) => warnings.push(m) } as unknown as Exchange;
    const out: unknown[] = [];
    for await (const c of adapter.decodeStream(
      (async function* () {
        yield* events;
      })(),
      x,
    ))
      out.push(c);
    return { out, warnings };
  };
  const delta = chunk({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] });

  it("leaves out Azure's prompt-filter chunk, warns on a filtered answer and ends at [DONE]", async () => {
    const filtered = chunk({
      choices: [
        { index: 0, delta: {}, finish_reason: 'content_filter', content_filter_results: { hate: { filtered: true } } },
      ],
    });
    const { out, warnings } = await decode([
      chunk({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] }),
      delta,
      filtered,
      { data: '[DONE]' },
      delta,
    ]);
    expect(out).toHaveLength(2);
    expect(warnings).toHaveLength(1);
  });

  it('fails a stream that ends before [DONE], and one carrying an error', async () => {
    await expect(decode([delta])).rejects.toThrow('upstream stream ended before [DONE]');
    await expect(decode([{ data: JSON.stringify({ error: { message: 'overloaded' } }) }])).rejects.toThrow(
      'overloaded',
    );
  });
});
