import type { Target } from '@switchyard/core';
import type { ModelInfoTable } from '@switchyard/plugin-models/contract';
import type { RouterApi, TargetStats } from '@switchyard/plugin-router/contract';

/**
 * What ranking needs of one target, looked up once per target (catalogue price, quality, free
 * and local flags) plus a live reference to its router stats record. Cached per Target
 * object: the models plugin's rebuilt resolver hands out new targets, which get fresh profiles.
 */
export interface TargetProfile {
  /** USD per 1M input tokens; NaN when unknown. */
  readonly inputPrice: number;
  /** USD per 1M output tokens; NaN when unknown. */
  readonly outputPrice: number;
  /** Operator quality 0..100; NaN when unknown. */
  readonly quality: number;
  /** Price 0, a `free` tag (instance or catalogue), a `:free` model suffix, or a local instance. */
  readonly free: boolean;
  readonly local: boolean;
  /** Mutated in place by the router as results arrive. */
  readonly stats: TargetStats;
}

export class TargetProfiles {
  readonly #cache = new WeakMap<Target, TargetProfile>();
  readonly #modelInfo: ModelInfoTable;
  readonly #router: RouterApi;

  constructor(modelInfo: ModelInfoTable, router: RouterApi) {
    this.#modelInfo = modelInfo;
    this.#router = router;
  }

  of(target: Target): TargetProfile {
    let p = this.#cache.get(target);
    if (!p) {
      p = this.#build(target);
      this.#cache.set(target, p);
    }
    return p;
  }

  #build(t: Target): TargetProfile {
    const info = this.#modelInfo.forTarget(t);
    const pricing = info?.pricing;
    const zeroPrice = pricing !== undefined && pricing.input === 0 && pricing.output === 0;
    const tagged = t.instance.tags.includes('free') || (info?.tags?.includes('free') ?? false);
    return {
      inputPrice: pricing ? pricing.input : Number.NaN,
      outputPrice: pricing ? pricing.output : Number.NaN,
      quality: info?.quality ?? Number.NaN,
      free: zeroPrice || tagged || t.model.endsWith(':free') || t.instance.local,
      local: t.instance.local,
      stats: this.#router.entry(t.id),
    };
  }
}
