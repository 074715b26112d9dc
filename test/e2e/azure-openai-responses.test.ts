/**
 * Responses API callers through Azure OpenAI: an instance whose api-version serves the Responses
 * API (`v1`, or 2025-03-01-preview and later) gets the caller's body at Azure's responses URL
 * with the deployment as model; an older api-version gets it converted to Chat Completions.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startMockAzureOpenAI, type MockAzureOpenAI } from '../support/mock-azure-openai.js';

const KEY = 'azure-upstream-key-0123456789abcdef';
let az: MockAzureOpenAI;
let gw: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  az = await startMockAzureOpenAI({ apiKey: KEY, name: 'az', deployments: { 'gpt4o-prod': 'gpt-4o-2024-11-20' } });
  const instance = (name: string, apiVersion?: string) => ({
    name,
    type: 'azure-openai',
    baseUrl: az.origin,
    apiKey: KEY,
    ...(apiVersion ? { apiVersion } : {}),
    deployments: { 'gpt-4o': 'gpt4o-prod' },
  });
  gw = await startGateway({
    providers: [instance('az-v1', 'v1'), instance('az-preview', '2025-04-01-preview'), instance('az-ga')],
    models: ['az-v1', 'az-preview', 'az-ga'].map((name) => ({ name, targets: [`${name}/gpt-4o`] })),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused' });
});
afterEach(() => az.reset());
afterAll(async () => {
  await gw.close();
  await az.close();
});

describe('Responses callers on Azure OpenAI', () => {
  it.each([
    ['az-v1', '/openai/v1/responses'],
    ['az-preview', '/openai/responses?api-version=2025-04-01-preview'],
  ])(
    '%s: the body goes to Azure’s Responses API with the deployment as model, the answer comes back as sent',
    async (model, path) => {
      const response = await client.responses.create({ model, input: 'Say hello', metadata: { team: 'a' } });
      expect(response.output_text).toBe('az: Say hello');
      expect(az.requests.map((r) => [r.method, r.path])).toEqual([['POST', path]]);
      expect(az.requests[0]!.body).toMatchObject({ model: 'gpt4o-prod', input: 'Say hello', metadata: { team: 'a' } });
      expect(az.requests[0]!.headers['api-key']).toBe(KEY);

      const stream = client.responses.stream({ model, input: 'Say hello' });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      expect(types.at(-1)).toBe('response.completed');
      expect(az.requests[1]!.path).toBe(path);
    },
  );

  it('an api-version without the Responses API: the request is converted to Chat Completions at the deployment', async () => {
    const response = await client.responses.create({ model: 'az-ga', input: 'Say hello' });
    expect(response.output_text).toBe('az: Say hello');
    expect(az.requests.map((r) => r.path)).toEqual([
      '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21',
    ]);
    expect(az.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'Say hello' }]);
  });
});
