import { contract, definePlugin, Type } from '@switchyard/core';
import type { Logger, Plugin, Store, StoreFactory } from '@switchyard/core';
import type { Redis } from 'ioredis';
import type { RedisStore, RedisStoreOptions } from './redis-store.js';

export const PLUGIN = 'store-redis';
export type { RedisStore, RedisStoreOptions } from './redis-store.js';

/**
 * The gateway store's ioredis connection, provided when config `store.type` is `redis`, for
 * plugins that speak Redis themselves (the rate limiter's and budgets' Lua scripts). Its keys are
 * prefixed with the store's `keyPrefix`.
 */
export const REDIS_CLIENT = contract<Redis>('store-redis:client');

/** How long start-up waits for Redis before going on degraded (the store keeps reconnecting). */
const STARTUP_WAIT_MS = 2000;

const storeSchema = Type.Object(
  {
    type: Type.Literal('redis'),
    url: Type.String({ pattern: '^rediss?://', description: '`redis://[:password@]host:port[/db]` or `rediss://…`.' }),
    keyPrefix: Type.Optional(
      Type.String({
        description:
          'Prepended to every key and channel, so several gateways can share one Redis. Default `switchyard:`.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Stores this module created, so apply() can hand out their connection without loading ioredis itself. */
const connections = new WeakMap<Store, Redis>();

/** Loads ioredis only when a gateway is configured with `store: { type: redis }`. */
export async function createRedisStore(options: RedisStoreOptions, logger?: Logger): Promise<RedisStore> {
  const { RedisStore } = await import('./redis-store.js');
  const store = new RedisStore({ ...options, ...(logger ? { logger } : {}) });
  connections.set(store, store.redis);
  return store;
}

const redisFactory: StoreFactory<typeof storeSchema> = {
  type: 'redis',
  schema: storeSchema,
  async create({ url, keyPrefix }, logger) {
    const store = await createRedisStore({ url, ...(keyPrefix === undefined ? {} : { keyPrefix }) }, logger);
    await store.whenReady(STARTUP_WAIT_MS);
    return store;
  },
};

/** `store: { type: redis, url, keyPrefix }`: state shared by every replica on the same Redis and prefix. */
export function storeRedis(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    provides: [REDIS_CLIENT],
    stores: [redisFactory],
    apply(gateway) {
      const client = connections.get(gateway.store);
      if (!client) return;
      gateway.provide(REDIS_CLIENT, client);
      const store = gateway.store as RedisStore;
      gateway.status.addGauge(
        'store_data_losses',
        PLUGIN,
        'Times the Redis store was found to have lost its data (restart without persistence, eviction, flush) since start',
        () => store.dataLosses,
      );
      gateway.status.addGauge(
        'store_keys_evicted',
        PLUGIN,
        'Keys Redis evicted (maxmemory reached; its evicted_keys, any prefix) seen since start',
        () => store.keysEvicted,
      );
    },
  });
}

export default storeRedis;
