import { describe, expect, it } from 'vitest';
import type { AttemptResult, Exchange, Gateway, Target } from '@switchyard/core';
import { PRICING_COST, pricing } from '@switchyard/plugin-pricing';
import { bytesPerCall } from '../../support/allocation.js';
import { testExchange } from '../../support/exchange.js';
import { providerInstance } from '../../support/provider-instance.js';

type OnResult = (result: AttemptResult, x: Exchange) => void;

/** The pricing plugin's onResult tap, applied to a gateway whose model table prices nothing. */
function unpricedTap(): { tap: OnResult; warnings: string[] } {
  let tap: OnResult | undefined;
  const warnings: string[] = [];
  const gateway = {
    hooks: { onResult: { tap: (_name: string, fn: OnResult) => void (tap = fn) } },
    need: () => ({ forTarget: () => undefined, lookup: () => undefined }),
    logger: { warn: (_fields: unknown, message: string) => void warnings.push(message) },
  } as unknown as Gateway;
  pricing().apply!(gateway, { header: false });
  return { tap: tap!, warnings };
}

describe('pricing an attempt whose target has no price', () => {
  const instance = providerInstance({ type: 'openai', name: 'self-hosted' });
  const target = { id: 'self-hosted/house-model', instance, model: 'house-model', rule: 'static' } as Target;
  const result: AttemptResult = {
    outcome: 'success',
    target,
    attempt: 1,
    stream: false,
    status: 200,
    latencyMs: 5,
    usage: { prompt_tokens: 41, completion_tokens: 38, total_tokens: 79 },
  };

  it('names the target unpriced and warns once', () => {
    const { tap, warnings } = unpricedTap();
    const x = testExchange();
    tap(result, x);
    tap(result, testExchange());
    expect(x.get(PRICING_COST)).toMatchObject({ usd: 0, attempts: [], unpriced: [target.id] });
    expect(warnings).toEqual([
      `no price known for ${target.id}: its requests are not priced (add pricing under catalog:)`,
    ]);
  });

  it('allocates little per request once warned: no warning fields, tuples or copies built', () => {
    const { tap } = unpricedTap();
    const x = testExchange();
    const bytes = bytesPerCall(() => {
      x.set(PRICING_COST, undefined);
      tap(result, x);
    });
    expect(bytes).toBeLessThan(400);
  });
});
