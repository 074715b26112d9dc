import { describe, expect, it } from 'vitest';
import { RoutePlan } from '@switchyard/core/routing';
import type { ProviderInstance, Target } from '@switchyard/core';

const instance = {
  name: 'i',
  type: 'openai',
  priority: 1,
  weight: 1,
  tags: [],
  local: false,
} as unknown as ProviderInstance;
const t = (model: string): Target => ({ id: `i/${model}`, instance, model, rule: 'listed' });
const ids = (plan: RoutePlan) => plan.targets.map((x) => x.model);

describe('RoutePlan', () => {
  it('adds a target id once, even as another object', () => {
    const plan = new RoutePlan().add('d', [t('a'), t('b')]).add('d2', [t('a'), t('c')]);
    expect(ids(plan)).toEqual(['a', 'b', 'c']);
    expect(plan.discovered.map((d) => d.by)).toEqual(['d', 'd', 'd2']);
  });

  it('reorder keeps unnamed targets after the named ones, matches equal ids, ignores strangers and repeats', () => {
    const plan = new RoutePlan().add('d', [t('a'), t('b'), t('c'), t('d')]);
    plan.reorder('o', [t('c'), plan.targets[0]!, t('zz'), t('c')], { 'i/c': 1 }, 'note');
    expect(ids(plan)).toEqual(['c', 'a', 'b', 'd']);
    expect(plan.orderings).toEqual([{ by: 'o', scores: { 'i/c': 1 }, note: 'note' }]);
  });

  it('permute orders by current positions, skipping out-of-range and repeated ones', () => {
    const plan = new RoutePlan().add('d', [t('a'), t('b'), t('c'), t('d')]);
    plan.permute('s', [3, 3, 9, 1]);
    expect(ids(plan)).toEqual(['d', 'b', 'a', 'c']);
    plan.exclude('f', (x) => x.model === 'b', 'no');
    expect(ids(plan)).toEqual(['d', 'a', 'c']);
  });
});
