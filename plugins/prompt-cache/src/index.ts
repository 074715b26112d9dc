import { contract, ConvertStage, definePlugin } from '@switchyard/core';
import { MODEL_INFO } from '@switchyard/plugin-models/contract';
import type { AttemptResult, Exchange, Gateway, Plugin, UpstreamRequest } from '@switchyard/core';
import { PROMPT_CACHE_STATS } from './contract.js';
import type { PromptCacheStats } from './contract.js';

/** The load balancer's affinity key, when it set one (by name: no package dependency). */
const AFFINITY_KEY = contract<string>('load-balancer:affinity');
import { placeBreakpoints } from './breakpoints.js';
import type { BreakpointSettings } from './breakpoints.js';
import { DEFAULT_MIN_TOKENS, minTokensFor, optionsSchema } from './options.js';
import type { PromptCacheOptions } from './options.js';
import { cacheUsageOf, savedUsd } from './savings.js';
import { TokenCounter } from './tokens.js';

export const PLUGIN = 'prompt-cache';
export { PROMPT_CACHE_STATS } from './contract.js';
export type { PromptCacheStats } from './contract.js';
export const HEADER = 'x-switchyard-prompt-cache';
export { placeBreakpoints, countBreakpoints, previousTurnEnd, MAX_BREAKPOINTS } from './breakpoints.js';
export type { BreakpointSettings, ClientBreakpoints, Placement } from './breakpoints.js';
export { DEFAULT_MIN_TOKENS, minTokensFor, optionsSchema } from './options.js';
export type { CacheTtl, PromptCacheOptions } from './options.js';
export { savedUsd, cacheUsageOf } from './savings.js';
export { TokenCounter } from './tokens.js';

export interface PromptCachePlugin extends Plugin<PromptCacheOptions> {
  /** The token counter of the gateway this plugin was applied to (undefined before apply). */
  readonly tokens: TokenCounter | undefined;
}

/**
 * Automatic provider prompt caching: cache_control breakpoints on Anthropic requests that carry
 * none of their own, prompt_cache_key on OpenAI requests, and the cache reads, writes and
 * savings of every answer on the exchange (PROMPT_CACHE_STATS).
 */
export function promptCache(): PromptCachePlugin {
  let counter: TokenCounter | undefined;
  const plugin = definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [PROMPT_CACHE_STATS],
    apply(gateway, options) {
      const tokens = (counter = new TokenCounter(options.memoEntries));
      const settingsFor = breakpointSettings(options);
      const keyInstances = new Set(options.promptCacheKeyInstances);

      if (options.anthropic)
        gateway.hooks.convertRequest
          .for('anthropic')
          .tap({ name: PLUGIN, stage: ConvertStage.ADJUST }, (req, x) => adjustAnthropic(req, x, settingsFor, tokens));
      if (options.promptCacheKey)
        gateway.hooks.convertRequest
          .for('openai')
          .tap({ name: PLUGIN, stage: ConvertStage.ADJUST }, (req, x) => adjustOpenAI(req, x, keyInstances));
      gateway.hooks.onResult.tap(PLUGIN, (result, x) => learn(gateway, options, result, x));
      // Tokenizer tables load at start when some target can use them, not on a first request.
      if (options.anthropic && gateway.instances.some((i) => i.type === 'anthropic'))
        gateway.hooks.ready.tap(PLUGIN, () => tokens.preload());
    },
  });
  return {
    ...plugin,
    get tokens() {
      return counter;
    },
  };
}

/** The breakpoint settings of a model, made on its first request and kept. */
function breakpointSettings(options: PromptCacheOptions): (model: string) => BreakpointSettings {
  const minTokens = { ...DEFAULT_MIN_TOKENS, ...options.minTokens };
  const cacheControl = Object.freeze(
    options.ttl === '1h' ? { type: 'ephemeral' as const, ttl: '1h' } : { type: 'ephemeral' as const },
  );
  const settings = new Map<string, BreakpointSettings>();
  return (model: string): BreakpointSettings => {
    let found = settings.get(model);
    if (!found) {
      found = {
        ...options.breakpoints,
        cacheControl,
        minTokens: minTokensFor(model, minTokens, options.defaultMinTokens),
      };
      settings.set(model, found);
    }
    return found;
  };
}

function adjustAnthropic(
  req: UpstreamRequest,
  x: Exchange,
  settingsFor: (model: string) => BreakpointSettings,
  tokens: TokenCounter,
): UpstreamRequest {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || x.operation !== 'chat') return req;
  const placement = placeBreakpoints(
    body,
    settingsFor(x.target!.model),
    tokens,
    x.protocol === 'anthropic' ? 'leave-alone' : 'fill',
  );
  x.set(PROMPT_CACHE_STATS, {
    breakpoints: placement.placed.length,
    clientBreakpoints: placement.client,
    placed: placement.placed,
    promptCacheKey: false,
  });
  return req;
}

function adjustOpenAI(req: UpstreamRequest, x: Exchange, keyInstances: ReadonlySet<string>): UpstreamRequest {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || x.operation !== 'chat') return req;
  const affinity = x.get(AFFINITY_KEY);
  const allowed = keyInstances.size === 0 || keyInstances.has(x.target!.instance.name);
  const set = affinity !== undefined && allowed && body.prompt_cache_key === undefined;
  if (set) body.prompt_cache_key = affinity;
  x.set(PROMPT_CACHE_STATS, { breakpoints: 0, clientBreakpoints: 0, placed: [], promptCacheKey: set });
  return req;
}

function learn(gateway: Gateway, options: PromptCacheOptions, result: AttemptResult, x: Exchange): void {
  const stats = x.get(PROMPT_CACHE_STATS);
  if (!stats || result.outcome !== 'success') return;
  report(gateway, stats, result, options);
  if (options.header && !result.stream && (stats.readTokens || stats.writeTokens)) {
    x.setResponseHeader(HEADER, `read=${stats.readTokens} write=${stats.writeTokens}`);
  }
}

/** Fills the stats with the answer's cache reads and writes and what they saved. */
function report(gateway: Gateway, stats: PromptCacheStats, result: AttemptResult, options: PromptCacheOptions): void {
  const cache = cacheUsageOf(result.usage);
  stats.readTokens = cache.readTokens;
  stats.writeTokens = cache.writeTokens;
  const pricing = gateway.contract(MODEL_INFO)?.lookup(result.target.model, result.target.instance.name)?.pricing;
  if (pricing) stats.savedUsd = savedUsd(pricing, cache, stats.breakpoints > 0 ? options.ttl : undefined);
}

export default promptCache;
