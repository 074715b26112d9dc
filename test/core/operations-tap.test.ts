import { describe, expect, it } from 'vitest';
import type { Exchange, GatewayHooks, ProviderInstance, Target } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { OPERATIONS_TAP, tapCoreRouting } from '../../core/src/routing/core-taps.js';
import type { ProviderRegistry } from '../../core/src/providers.js';
import { bytesPerCall } from '../support/allocation.js';
import { testExchange } from '../support/exchange.js';

type SelectRoute = (plan: RoutePlan, x: Exchange) => RoutePlan;

/** Core's operations tap, over provider types `chatty` (no operations named: chat only) and `embedder` (chat and embeddings). */
function operationsTap(): SelectRoute {
  let tap: SelectRoute | undefined;
  const hooks = { selectRoute: { tap: (_options: unknown, fn: SelectRoute) => void (tap = fn) } };
  const types: Record<string, { operations?: string[] }> = {
    chatty: {},
    embedder: { operations: ['chat', 'embeddings'] },
  };
  const providers = { get: (type: string) => types[type] } as unknown as ProviderRegistry;
  tapCoreRouting(hooks as unknown as GatewayHooks, providers);
  return tap!;
}

const target = (type: string): Target => ({
  id: `${type}/m`,
  instance: { name: type, type } as ProviderInstance,
  model: 'm',
  rule: 'listed',
});

describe("core's operations tap", () => {
  it('leaves out the candidates whose provider type does not serve the operation, saying why', () => {
    const tap = operationsTap();
    const plan = new RoutePlan().add('d', [target('chatty'), target('embedder')]);
    tap(plan, testExchange({ operation: 'embeddings' }));
    expect(plan.targets.map((t) => t.id)).toEqual(['embedder/m']);
    expect(plan.exclusions).toEqual([
      { target: 'chatty/m', by: OPERATIONS_TAP, reason: 'provider type chatty does not serve embeddings' },
    ]);
    const chat = new RoutePlan().add('d', [target('chatty'), target('embedder')]);
    tap(chat, testExchange());
    expect(chat.targets.map((t) => t.id)).toEqual(['chatty/m', 'embedder/m']);
    expect(chat.exclusions).toEqual([]);
  });

  it('allocates nothing for a plan whose every candidate serves the operation (nearly every request)', () => {
    const tap = operationsTap();
    const plan = new RoutePlan().add('d', [target('chatty'), target('embedder')]);
    const x = testExchange();
    expect(bytesPerCall(() => tap(plan, x))).toBeLessThan(16);
  });
});
