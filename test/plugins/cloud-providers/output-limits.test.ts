/**
 * Output limits fitted to the target by the cloud providers (Bedrock, Vertex AI, Azure OpenAI),
 * where each writes its output-token field: the request each one builds for a target whose model
 * allows fewer tokens than asked (config `catalog:`), and the same with routing.fitOutputTokens off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import { models } from '@switchyard/plugin-models';
import type { ChatRequest } from '@switchyard/core/protocol';
import type { Exchange, Gateway, ProviderInstance, Target, UpstreamRequest } from '@switchyard/core';
import { azureOpenAI } from '@switchyard/provider-azure-openai';
import { bedrock } from '@switchyard/provider-bedrock';
import { buildVertexRequest } from '@switchyard/provider-vertex';
import { testExchange } from '../../support/exchange.js';
import { providerInstance } from '../../support/provider-instance.js';

const BEDROCK_CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const BEDROCK_NOVA = 'amazon.nova-lite-v1:0';
let gateway: Gateway;
let unfitted: Gateway;

const catalog = {
  [BEDROCK_CLAUDE]: { maxOutputTokens: 8192 },
  [BEDROCK_NOVA]: { maxOutputTokens: 5000 },
  'claude-3-5-haiku@20241022': { maxOutputTokens: 8192 },
  'gemini-2.5-flash': { maxOutputTokens: 65536 },
  'gpt-4o-mini': { maxOutputTokens: 16384 },
};

beforeAll(async () => {
  const logger = createLogger({ level: 'silent' });
  gateway = await createGateway({ config: { catalog }, plugins: [models(), bedrock(), azureOpenAI()], logger });
  unfitted = await createGateway({
    config: { catalog, routing: { fitOutputTokens: false } },
    plugins: [models(), bedrock(), azureOpenAI()],
    logger,
  });
});

afterAll(async () => {
  await gateway.close();
  await unfitted.close();
});

function instance(type: string, options: Record<string, unknown> = {}): ProviderInstance {
  return providerInstance({ type, baseUrl: 'https://cloud.test', apiKey: 'key-0123456789', options });
}

function exchange(
  protocol: 'openai' | 'anthropic',
  body: Record<string, unknown>,
  request: ChatRequest | undefined,
  target: Target,
): Exchange {
  const x = testExchange({ protocol, body, request });
  x.target = target;
  x.attempt = 1;
  return x;
}

const target = (inst: ProviderInstance, model: string): Target => ({
  id: `${inst.name}/${model}`,
  instance: inst,
  model,
  rule: 'instance',
});
const blank = (): UpstreamRequest => ({ url: '', method: 'POST', headers: {}, body: undefined, stream: false });
const chat = (extra: Partial<ChatRequest>): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const build = (g: Gateway, type: string, x: Exchange): Promise<UpstreamRequest> =>
  g.hooks.convertRequest.for(type).promise(blank(), x);

describe('Bedrock', () => {
  it('InvokeModel (Anthropic callers): max_tokens fitted, the thinking budget below it', async () => {
    const body = {
      model: 'x',
      max_tokens: 64000,
      thinking: { type: 'enabled', budget_tokens: 32000 },
      messages: [{ role: 'user', content: 'hi' }],
    };
    const x = exchange('anthropic', body, undefined, target(instance('bedrock'), BEDROCK_CLAUDE));
    const req = await build(gateway, 'bedrock', x);
    expect(req.body).toMatchObject({ max_tokens: 8192, thinking: { type: 'enabled', budget_tokens: 8191 } });
    expect(x.warnings).toContain('max_tokens 64000 lowered to 8192, the most the target model allows');
    expect(
      (
        (
          await build(
            unfitted,
            'bedrock',
            exchange('anthropic', body, undefined, target(instance('bedrock'), BEDROCK_CLAUDE)),
          )
        ).body as { max_tokens: number }
      ).max_tokens,
    ).toBe(64000);
  });

  it('Converse: inferenceConfig.maxTokens fitted; reasoning blocks not sent, with a warning', async () => {
    const request = chat({
      max_completion_tokens: 20000,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: 'a',
          reasoning_blocks: [{ type: 'thinking', text: 't', signature: 's', source: 'anthropic' }],
        },
        { role: 'user', content: 'again' },
      ],
    });
    const x = exchange('openai', request, request, target(instance('bedrock'), BEDROCK_NOVA));
    const req = await build(gateway, 'bedrock', x);
    expect((req.body as { inferenceConfig: { maxTokens: number } }).inferenceConfig.maxTokens).toBe(5000);
    expect(JSON.stringify(req.body)).not.toContain('reasoning_blocks');
    expect(x.warnings).toContain('max_completion_tokens 20000 lowered to 5000, the most the target model allows');
    expect(x.warnings).toContain(
      'reasoning blocks in the history dropped (Bedrock Converse takes none back): thinking (anthropic)',
    );
  });
});

describe('Vertex AI', () => {
  const vertexInstance = instance('vertex', { project: 'p', location: 'us-east5' });

  it('Claude, passed through or converted, and Gemini: each output-token field fitted', () => {
    const passed = exchange(
      'anthropic',
      { model: 'x', max_tokens: 64000, messages: [{ role: 'user', content: 'hi' }] },
      undefined,
      target(vertexInstance, 'claude-3-5-haiku@20241022'),
    );
    expect((buildVertexRequest(blank(), passed, gateway).body as { max_tokens: number }).max_tokens).toBe(8192);
    const request = chat({ max_tokens: 100000 });
    const converted = exchange('openai', request, request, target(vertexInstance, 'claude-3-5-haiku@20241022'));
    expect((buildVertexRequest(blank(), converted, gateway).body as { max_tokens: number }).max_tokens).toBe(8192);
    const gemini = exchange('openai', request, request, target(vertexInstance, 'gemini-2.5-flash'));
    expect(
      (buildVertexRequest(blank(), gemini, gateway).body as { generationConfig: { maxOutputTokens: number } })
        .generationConfig.maxOutputTokens,
    ).toBe(65536);
    expect(gemini.warnings).toContain('max_tokens 100000 lowered to 65536, the most the target model allows');
    const off = exchange('openai', request, request, target(vertexInstance, 'gemini-2.5-flash'));
    expect(
      (buildVertexRequest(blank(), off, unfitted).body as { generationConfig: { maxOutputTokens: number } })
        .generationConfig.maxOutputTokens,
    ).toBe(100000);
  });
});

describe('Azure OpenAI', () => {
  it('max_tokens and max_completion_tokens fitted; reasoning blocks not sent', async () => {
    const request = chat({
      max_tokens: 64000,
      max_completion_tokens: 50000,
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: 'a',
          reasoning_blocks: [{ type: 'thinking', text: 't', signature: 's', source: 'anthropic' }],
        },
      ],
    });
    const x = exchange(
      'openai',
      request,
      request,
      target(instance('azure-openai', { deployments: { 'gpt-4o-mini': 'mini-prod' } }), 'gpt-4o-mini'),
    );
    const req = await build(gateway, 'azure-openai', x);
    expect(req.body).toMatchObject({ model: 'mini-prod', max_tokens: 16384, max_completion_tokens: 16384 });
    expect((req.body as ChatRequest).messages[1]).toEqual({ role: 'assistant', content: 'a' });
    expect(request.max_tokens).toBe(64000);
  });
});
