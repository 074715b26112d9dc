import { describe, expect, it } from 'vitest';
import { ANTHROPIC_MODELS } from '@switchyard/provider-anthropic';
import { BEDROCK_MODELS } from '@switchyard/provider-bedrock';
import { VERTEX_MODELS } from '@switchyard/provider-vertex';

/** Claude is billed alike wherever it is served: a one-hour cache write at twice the input price. */
describe('Claude list prices on Anthropic, Bedrock and Vertex', () => {
  const claude = Object.entries({ ...ANTHROPIC_MODELS, ...BEDROCK_MODELS, ...VERTEX_MODELS }).filter(
    ([name, info]) => name.includes('claude') && info.pricing,
  );

  it('price one-hour cache writes at twice the input (else they were charged at the five-minute price)', () => {
    expect(claude.length).toBeGreaterThan(30);
    for (const [name, info] of claude) expect(info.pricing!.cacheWrite1h, name).toBeCloseTo(info.pricing!.input * 2, 9);
  });
});
