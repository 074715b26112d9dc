import { describe, expect, it } from 'vitest';
import { RoutePlan } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { azureUrl, classifyAzureError, deploymentTargets, describeFilter, outputFilterWarning, promptFilterMessage, TokenCache } from '@switchyard/provider-azure-openai';

const instance = (name: string, options: Record<string, unknown>, extra: Partial<ProviderInstance> = {}): ProviderInstance =>
  ({ name, type: 'azure-openai', baseUrl: 'https://contoso.openai.azure.com', priority: 1, weight: 1, tags: [], timeoutMs: 1000, headers: {}, local: false, discover: false, discoverIntervalMs: 1, discoverTimeoutMs: 1, options, ...extra }) as ProviderInstance;

/** Azure's answer to a prompt its content filter blocks (as documented, with a jailbreak check). */
const BLOCKED = JSON.stringify({
  error: {
    message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
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
    expect(message.startsWith("Azure OpenAI's content filter blocked the prompt: hate (high), jailbreak (detected).")).toBe(true);
    expect(JSON.parse(message.split('content_filter_result=')[1]!)).toEqual(JSON.parse(BLOCKED).error.innererror.content_filter_result);
    expect(promptFilterMessage('{"error":{"code":"429","message":"slow"}}')).toBeUndefined();
    expect(promptFilterMessage('not json')).toBeUndefined();
  });

  it('classifies a blocked prompt as the caller\'s error with code content_filter, and refused credentials as failures', () => {
    expect(classifyAzureError(400, BLOCKED)).toMatchObject({ outcome: 'business_error', code: 'content_filter', type: 'invalid_request_error' });
    expect(classifyAzureError(401, '{"error":{"code":"401","message":"Access denied due to invalid subscription key"}}').outcome).toBe('failure');
    expect(classifyAzureError(403, '{"error":{"code":"403","message":"Public access is disabled."}}').outcome).toBe('failure');
    expect(classifyAzureError(429, '{"error":{"code":"429","message":"Rate limit"}}').outcome).toBe('rate_limited');
    expect(classifyAzureError(404, '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}')).toMatchObject({ outcome: 'business_error', code: 'DeploymentNotFound' });
  });

  it('describes an answer cut short', () => {
    expect(outputFilterWarning({ violence: { filtered: true, severity: 'high' }, hate: { filtered: false, severity: 'safe' } })).toBe("Azure OpenAI's content filter cut the answer short: violence (high)");
    expect(describeFilter(undefined)).toBe('unspecified categories');
  });
});

describe('Azure deployments and URLs', () => {
  it('builds deployment URLs with api-version, or v1 URLs', () => {
    expect(azureUrl(instance('a', { apiVersion: '2024-10-21' }), 'gpt 4o', 'chat/completions')).toBe('https://contoso.openai.azure.com/openai/deployments/gpt%204o/chat/completions?api-version=2024-10-21');
    expect(azureUrl(instance('a', { apiVersion: 'v1' }), 'gpt4o', 'responses')).toBe('https://contoso.openai.azure.com/openai/v1/responses');
  });

  it('adds the instances whose deployments serve a model, by priority, never to an alias\'s plan', () => {
    const a = instance('a', { deployments: { 'gpt-4o': 'prod' } }, { priority: 2 });
    const b = instance('b', { deployments: { 'gpt-4o': 'prod-b' } }, { priority: 1 });
    const listed = instance('c', { deployments: { 'gpt-4o': 'x' } }, { models: ['gpt-4o'] });
    const plain = instance('d', { deployments: { other: 'x' } });
    expect(deploymentTargets([a, b, listed, plain], 'azure-openai', new RoutePlan(), 'gpt-4o').map((t) => t.id)).toEqual(['b/gpt-4o', 'a/gpt-4o']);
    const aliased = new RoutePlan().add('switchyard:resolve', [{ id: 'x/y', instance: a, model: 'y', rule: 'alias' }]);
    expect(deploymentTargets([a, b], 'azure-openai', aliased, 'gpt-4o')).toEqual([]);
  });
});

describe('TokenCache', () => {
  it('shares one fetch, keeps the token until the refresh window, and does not cache a failure', async () => {
    let now = 0;
    let fetches = 0;
    let fail = false;
    const cache = new TokenCache(async () => {
      fetches++;
      if (fail) throw new Error('down');
      return { token: `t${fetches}`, expiresInMs: 60_000 };
    }, 10_000, () => now);
    expect(await Promise.all([cache.get(), cache.get()])).toEqual(['t1', 't1']);
    now = 49_999;
    expect(await cache.get()).toBe('t1');
    now = 50_000;
    fail = true;
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    expect(await cache.get()).toBe('t3');
    expect(fetches).toBe(3);
  });
});
