import { withOptions } from '@switchyard/core';
// First: the protocol plugins below look their request validators up as their modules load.
import './validators.js';
import type { ConfigInput, Preset } from '@switchyard/core';
import type { ProviderInput } from '@switchyard/core/config';
import { admin } from '@switchyard/plugin-admin';
import { auth } from '@switchyard/plugin-auth';
import { budgets } from '@switchyard/plugin-budgets';
import { capabilities } from '@switchyard/plugin-capabilities';
import { constraints } from '@switchyard/plugin-constraints';
import { discovery } from '@switchyard/plugin-discovery';
import { router } from '@switchyard/plugin-router';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import { webConsole } from '@switchyard/plugin-console';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { metrics } from '@switchyard/plugin-metrics';
import { models } from '@switchyard/plugin-models';
import { pricing } from '@switchyard/plugin-pricing';
import { promptCache } from '@switchyard/plugin-prompt-cache';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import { requestLog } from '@switchyard/plugin-request-log';
import { responseCache } from '@switchyard/plugin-response-cache';
import { anthropic } from '@switchyard/provider-anthropic';
import { azureOpenAI } from '@switchyard/provider-azure-openai';
import { bedrock } from '@switchyard/provider-bedrock';
import { gemini } from '@switchyard/provider-gemini';
import { openai } from '@switchyard/provider-openai';
import { storeRedis } from '@switchyard/store-redis';
import { protocolAnthropic } from '@switchyard/protocol-anthropic';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { protocolResponses } from '@switchyard/protocol-responses';
import { vertex } from '@switchyard/provider-vertex';

export const PRESET = 'standard';

/**
 * The plugins a ready gateway runs, in order: model names and the model table (config `models:`
 * and `catalog:`, the providers' built-in models; first, so that every plugin reading them finds
 * them), the Redis store (used when `store.type` is redis), the
 * request log (one line per routed request), the
 * inbound protocols (OpenAI Chat Completions, Anthropic Messages, OpenAI Responses), gateway keys, the operator
 * endpoints (/admin/config, /admin/reload) (inactive without keys), rate limits (inactive without limits), the response
 * cache (off until `response-cache: { enabled: true }`),
 * the six providers (OpenAI, Anthropic, Gemini, Azure OpenAI, Bedrock, Vertex AI), the router
 * (stats, explain), model discovery, request constraints, capability filtering, circuit breaking,
 * load balancing, prompt caching (Anthropic breakpoints, OpenAI prompt_cache_key), request costs
 * (pricing), budgets (off until configured), Prometheus metrics on /metrics and the web console on /console (admin keys only; loopback only without them).
 * `plugins: { <name>: false }` in config leaves one out.
 */
export function standard(): Preset {
  return {
    name: PRESET,
    plugins: [
      models(),
      storeRedis(),
      requestLog(),
      protocolOpenAI(),
      protocolAnthropic(),
      protocolResponses(),
      auth(),
      admin(),
      rateLimit(),
      withOptions(responseCache(), { enabled: false }),
      openai(),
      anthropic(),
      gemini(),
      azureOpenAI(),
      bedrock(),
      vertex(),
      router(),
      discovery(),
      constraints(),
      capabilities(),
      circuitBreaker(),
      loadBalancer(),
      promptCache(),
      pricing(),
      budgets(),
      metrics(),
      webConsole(),
    ],
  };
}

interface EnvProvider {
  type: string;
  name: string;
  keyVar: string;
  baseUrlVar: string;
  defaultBaseUrl: string;
}

const ENV_PROVIDERS: readonly EnvProvider[] = [
  {
    type: 'openai',
    name: 'openai',
    keyVar: 'OPENAI_API_KEY',
    baseUrlVar: 'OPENAI_BASE_URL',
    defaultBaseUrl: 'https://api.openai.com/v1',
  },
  {
    type: 'anthropic',
    name: 'anthropic',
    keyVar: 'ANTHROPIC_API_KEY',
    baseUrlVar: 'ANTHROPIC_BASE_URL',
    defaultBaseUrl: 'https://api.anthropic.com',
  },
  {
    type: 'gemini',
    name: 'gemini',
    keyVar: 'GEMINI_API_KEY',
    baseUrlVar: 'GEMINI_BASE_URL',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  },
];

/** Provider types the preset's plugins define. */
const SUPPORTED_TYPES = new Set(['openai', 'anthropic', 'gemini']);

export interface EnvConfig {
  config: ConfigInput;
  /** Things the operator should know, e.g. a key set for a provider this preset cannot serve yet. */
  notes: string[];
}

/**
 * The embedded default: one provider per `*_API_KEY` (or `*_BASE_URL`, for keyless local
 * servers) found in the environment. Models are accepted by their name prefix; a provider
 * given its own `*_BASE_URL` (a local or compatible server) also serves what its model
 * listing names (`discover: true`), since `instance/model` reaches only served models.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const providers: ProviderInput[] = [];
  const notes: string[] = [];
  for (const p of ENV_PROVIDERS) {
    const apiKey = env[p.keyVar];
    const baseUrl = env[p.baseUrlVar];
    if (!apiKey && !baseUrl) continue;
    if (!SUPPORTED_TYPES.has(p.type)) {
      notes.push(`${p.keyVar} is set but the ${p.type} provider is not part of this preset yet; ignoring it`);
      continue;
    }
    providers.push({
      name: p.name,
      type: p.type,
      baseUrl: baseUrl || p.defaultBaseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(baseUrl ? { discover: true } : {}),
    });
  }
  if (providers.length === 0) {
    notes.push('no provider is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL), or start with --config FILE');
  }
  const port = env.PORT ?? env.SWITCHYARD_PORT;
  return { config: { providers, ...(port ? { server: { port: Number(port) } } : {}) }, notes };
}

export default standard;
