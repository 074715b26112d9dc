import { CAPTURED_COMPLETION } from '@switchyard/core/protocol';
import { definePlugin, exchangeKey, Reply } from '@switchyard/core';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { CACHE_OUTCOME } from './contract.js';
import type { AttemptResult, Exchange, Plugin, Target } from '@switchyard/core';
import type { ChatCompletion } from '@switchyard/core/protocol';
import { MemoryBackend, StoreBackend } from './backend.js';
import type { Backend } from './backend.js';
import { optionsSchema } from './options.js';
import type { ResponseCacheOptions } from './options.js';
import { isDeterministic, requestKey } from './request-key.js';

export const PLUGIN = 'response-cache';
export { CACHE_OUTCOME } from './contract.js';
/** `hit`, `miss` or `bypass`, on every chat response while the plugin is on. */
export const HEADER = 'x-switchyard-cache';
export { optionsSchema } from './options.js';
export type { ResponseCacheOptions } from './options.js';
export { requestKey, isDeterministic } from './request-key.js';
export { MemoryBackend, StoreBackend } from './backend.js';
export type { Backend, Entry } from './backend.js';

/** The key a request will be stored under once its answer arrives. */
const PENDING = exchangeKey<string>('response-cache:pending');

export interface ResponseCacheCounts {
  hits: number;
  misses: number;
  bypassed: number;
  stored: number;
  /** Answers not stored: partial, tool calls, too large. */
  refused: number;
  errors: number;
}

export interface ResponseCachePlugin extends Plugin<ResponseCacheOptions> {
  /** What the cache did on the gateway it was applied to. */
  counts(): Readonly<ResponseCacheCounts>;
}

export interface ResponseCacheSetup {
  /** Milliseconds since the epoch; entries older than ttlSeconds on this clock are misses. @default Date.now */
  clock?: () => number;
}

/**
 * Exact-match response cache: a deterministic chat request asked again (same model targets,
 * messages, tools and parameters) is answered from the cache, in the caller's protocol and
 * stream mode, without an upstream call.
 */
export function responseCache(setup: ResponseCacheSetup = {}): ResponseCachePlugin {
  const clock = setup.clock ?? Date.now;
  const counts: ResponseCacheCounts = { hits: 0, misses: 0, bypassed: 0, stored: 0, refused: 0, errors: 0 };
  const plugin = definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [CACHE_OUTCOME],
    apply(gateway, options) {
      if (!options.enabled) return;
      // The in-memory cache outlives a config reload (same size bound).
      const backend: Backend =
        options.backend === 'store'
          ? new StoreBackend(gateway.store, options.keyPrefix)
          : gateway.keep(PLUGIN, `memory:${options.maxBytes}`, () => new MemoryBackend(options.maxBytes));
      const ttlMs = options.ttlSeconds * 1000;
      const warn = (err: unknown, what: string): void => {
        counts.errors++;
        gateway.logger.warn({ err, plugin: PLUGIN }, `response-cache: ${what} failed`);
      };

      const routes = gateway.contract(MODEL_ROUTES);
      const lookup = async (x: Exchange): Promise<Reply | void> => {
        if (x.operation !== 'chat' || !x.request) return;
        const asked = directives(x);
        const policyAllows = options.cacheable === 'all' || isDeterministic(x);
        const read = policyAllows && asked.read;
        const write = policyAllows && asked.write;
        if (!read && !write) {
          counts.bypassed++;
          x.setResponseHeader(HEADER, 'bypass');
          x.set(CACHE_OUTCOME, 'bypass');
          return;
        }
        const scope = options.shared ? '*' : (x.caller?.name ?? '');
        const key = requestKey(x, scope, modelKey(routes?.resolver.resolve(x.model) ?? [], x.model));
        if (read) {
          const entry = await backend.get(key).catch((err: unknown) => warn(err, 'lookup'));
          if (entry) {
            const age = clock() - entry.storedAt;
            if (age >= 0 && age < ttlMs) {
              counts.hits++;
              x.set(CACHE_OUTCOME, 'hit');
              const completion = JSON.parse(entry.completion) as ChatCompletion;
              return Reply.completion(completion, {
                stream: x.stream,
                headers: { [HEADER]: 'hit', age: String(Math.floor(age / 1000)) },
              });
            }
            if (age >= ttlMs) await backend.delete(key).catch((err: unknown) => warn(err, 'delete'));
          }
          counts.misses++;
        } else counts.bypassed++;
        x.setResponseHeader(HEADER, read ? 'miss' : 'bypass');
        x.set(CACHE_OUTCOME, read ? 'miss' : 'bypass');
        if (write) {
          x.captureResponse = true;
          x.set(PENDING, key);
        }
      };

      const store = async (result: AttemptResult, x: Exchange): Promise<void> => {
        const key = x.get(PENDING);
        if (key === undefined || result.outcome !== 'success') return;
        const completion = x.get(CAPTURED_COMPLETION);
        if (!completion || !storable(completion, options)) {
          counts.refused++;
          return;
        }
        const json = JSON.stringify(completion);
        if (json.length > options.maxEntryBytes) {
          counts.refused++;
          return;
        }
        try {
          await backend.set(key, { completion: json, storedAt: clock() }, ttlMs);
          counts.stored++;
        } catch (err) {
          warn(err, 'store');
        }
      };

      gateway.hooks.beforeRoute.tapPromise(PLUGIN, lookup);
      gateway.hooks.onResult.tapPromise(PLUGIN, store);
      gateway.routes.add({
        method: 'GET',
        path: '/admin/response-cache',
        plugin: PLUGIN,
        handle: () => ({
          body: {
            backend: backend.kind,
            ttlSeconds: options.ttlSeconds,
            ...(backend.size === undefined ? {} : { entries: backend.size }),
            ...counts,
          },
        }),
      });
    },
  });
  return { ...plugin, counts: () => ({ ...counts }) };
}

/** What the caller allows: `Cache-Control: no-store` and `x-switchyard-cache: bypass` skip both, `no-cache` skips the read. */
function directives(x: Exchange): { read: boolean; write: boolean } {
  const bypass = header(x, HEADER)?.trim().toLowerCase() === 'bypass';
  const control = header(x, 'cache-control')?.toLowerCase() ?? '';
  const noStore = bypass || /(^|,)\s*no-store\s*(,|$)/.test(control);
  const noCache = noStore || /(^|,)\s*no-cache\s*(,|$)/.test(control);
  return { read: !noCache, write: !noStore };
}

/**
 * The model part of the key: the targets the name resolves to, so that an alias and the model it
 * points to share entries; a name only a routing plugin resolves (e.g. `tag:`) keys by itself.
 */
function modelKey(targets: readonly Target[], model: string): string[] {
  return targets.length ? targets.map((t) => t.id) : [`name:${model}`];
}

function header(x: Exchange, name: string): string | undefined {
  const value = x.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Complete answers only: every choice finished, and no tool calls unless configured. */
function storable(completion: ChatCompletion, options: ResponseCacheOptions): boolean {
  if (completion.choices.length === 0) return false;
  for (const choice of completion.choices) {
    if (!choice.finish_reason) return false;
    if (
      !options.cacheToolCalls &&
      (choice.finish_reason === 'tool_calls' || (choice.message.tool_calls?.length ?? 0) > 0)
    )
      return false;
  }
  return true;
}

export default responseCache;
