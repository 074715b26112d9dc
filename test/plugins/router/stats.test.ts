import { describe, expect, it } from 'vitest';
import type { AttemptResult, Target } from '@switchyard/core';
import { RouterStats } from '@switchyard/plugin-router';
import { bytesPerCall } from '../../support/allocation.js';

const target = { id: 'oai/gpt-4o-mini' } as Target;
const streamed: AttemptResult = {
  outcome: 'success',
  target,
  attempt: 1,
  stream: true,
  status: 200,
  latencyMs: 40,
  ttftMs: 10,
  usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
};

describe('RouterStats.recordResult', () => {
  it('records latency, time to first token and time per output token of a success; a result without them leaves those alone', () => {
    const stats = new RouterStats();
    stats.recordResult(streamed);
    expect(stats.get(target.id)).toMatchObject({
      requests: 1,
      successes: 1,
      latencyMs: 40,
      ttftMs: 10,
      msPerOutputToken: 1,
    });
    stats.recordResult({ ...streamed, ttftMs: undefined, usage: undefined, latencyMs: 20 });
    const s = stats.get(target.id)!;
    expect(s).toMatchObject({ requests: 2, successes: 2, ttftMs: 10, msPerOutputToken: 1 });
    expect(s.latencyMs).toBeLessThan(40);
    stats.recordResult({ ...streamed, outcome: 'failure' });
    expect(stats.get(target.id)).toMatchObject({ requests: 3, successes: 2, failures: 1 });
  });

  it('allocates next to nothing per result (no object spread per request)', () => {
    const stats = new RouterStats();
    expect(bytesPerCall(() => stats.recordResult(streamed))).toBeLessThan(64);
  });
});
