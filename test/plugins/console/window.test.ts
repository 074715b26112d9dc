import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAssets, OTHER, percentiles, RequestTail, TrafficWindow } from '@switchyard/plugin-console';
import type { Observation } from '@switchyard/plugin-console';

const ok = (latencyMs: number, extra: Partial<Observation> = {}): Observation => ({
  latencyMs,
  error: false,
  inputTokens: 10,
  outputTokens: 5,
  costUsd: 0.001,
  ...extra,
});

function window(options: { windowSeconds?: number; maxSamples?: number; maxSeries?: number } = {}) {
  let now = 1_000_000_000_000; // a whole second
  const w = new TrafficWindow({ windowSeconds: 10, maxSamples: 100, maxSeries: 10, ...options, now: () => now });
  return { w, advance: (ms: number) => (now += ms) };
}

describe('TrafficWindow', () => {
  it('rates are taken over the time since start until the window is full, then over the window', () => {
    const { w, advance } = window({ windowSeconds: 10 });
    for (let i = 0; i < 4; i++) {
      advance(500);
      w.record('model', 'm', ok(100));
    }
    // 2 s since start: 4 requests → 2 per second.
    expect(w.snapshot().models[0]).toMatchObject({ name: 'm', requests: 4, rate: 2 });
    expect(w.snapshot().spanSeconds).toBe(2);
    advance(20_000);
    w.record('model', 'm', ok(100));
    // The earlier four fell out of the window; one request over 9 full seconds and the current second's first 0 ms.
    const later = w.snapshot();
    expect(later.models[0]).toMatchObject({ requests: 1 });
    expect(later.spanSeconds).toBe(9);
    expect(later.models[0]!.rate).toBeCloseTo(1 / 9);
  });

  it('counts errors, tokens and cost, and keeps one bucket per second (history oldest first)', () => {
    const { w, advance } = window({ windowSeconds: 5 });
    w.record('target', 'a/m', ok(10));
    advance(1000);
    w.record('target', 'a/m', ok(20, { error: true, costUsd: undefined }));
    w.record('target', 'a/m', ok(30));
    advance(2000);
    const figures = w.snapshot().targets[0]!;
    expect(figures).toMatchObject({ requests: 3, errors: 1, tokens: { input: 30, output: 15 } });
    expect(figures.errorRate).toBeCloseTo(1 / 3);
    expect(figures.costUsd).toBeCloseTo(0.002);
    expect(figures.history).toEqual([0, 1, 2, 0, 0]);
  });

  it('takes p50 and p95 over the latest samples within the window, and time to first token only where there was one', () => {
    const { w, advance } = window({ windowSeconds: 10, maxSamples: 20 });
    for (let i = 1; i <= 20; i++) w.record('model', 'm', ok(i, i % 2 ? {} : { ttftMs: i / 2 }));
    let m = w.snapshot().models[0]!;
    expect(m.latencyMs).toEqual({ p50: 10, p95: 19 });
    expect(m.ttftMs).toEqual({ p50: 5, p95: 10 });
    // Ten more push the ten oldest (1 to 10) out of the bounded ring.
    for (let i = 0; i < 10; i++) w.record('model', 'm', ok(1000));
    m = w.snapshot().models[0]!;
    expect(m.latencyMs).toEqual({ p50: 20, p95: 1000 });
    // Samples older than the window no longer count.
    advance(11_000);
    w.record('model', 'm', ok(7));
    expect(w.snapshot().models[0]!.latencyMs).toEqual({ p50: 7, p95: 7 });
    expect(w.snapshot().models[0]!.ttftMs).toBeNull();
  });

  it('counts every request in the total, and beyond maxSeries names as (other) until some fall idle', () => {
    const { w, advance } = window({ windowSeconds: 10, maxSeries: 2 });
    for (const name of ['a', 'b', 'c', 'd']) w.record('model', name, ok(1));
    let s = w.snapshot();
    expect(s.total.requests).toBe(4);
    expect(s.models.map((m) => [m.name, m.requests])).toEqual([
      [OTHER, 2],
      ['a', 1],
      ['b', 1],
    ]);
    advance(10_000);
    w.record('model', 'e', ok(1));
    s = w.snapshot();
    expect(s.models.map((m) => m.name)).toEqual(['e']);
    expect(s.total.requests).toBe(1);
  });

  it('nearest-rank percentiles', () => {
    expect(percentiles([])).toBeNull();
    expect(percentiles([5])).toEqual({ p50: 5, p95: 5 });
    expect(percentiles([4, 1, 3, 2])).toEqual({ p50: 2, p95: 4 });
  });
});

describe('RequestTail', () => {
  const record = (id: string) => ({
    at: 1,
    id,
    protocol: 'openai',
    model: 'm',
    stream: false,
    attempts: 1,
    status: 200,
    latencyMs: 5,
  });

  it('keeps the latest max, newest first, and pages by seq', () => {
    const tail = new RequestTail(3);
    expect(tail.list()).toEqual({ requests: [], last: 0 });
    for (const id of ['r1', 'r2', 'r3', 'r4']) tail.add(record(id));
    expect(tail.list().requests.map((r) => r.id)).toEqual(['r4', 'r3', 'r2']);
    expect(tail.list().last).toBe(4);
    expect(tail.list(3).requests.map((r) => [r.seq, r.id])).toEqual([[4, 'r4']]);
    expect(tail.list(0, 1).requests.map((r) => r.id)).toEqual(['r4']);
    expect(tail.list(4).requests).toEqual([]);
  });
});

describe('console assets', () => {
  it('loads the built page with the path written into its asset URLs, or nothing when it was never built', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
    try {
      expect(loadAssets(dir, '/console')).toBeUndefined();
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<script src="__SWITCHYARD_CONSOLE_BASE__/assets/app-1.js"></script>');
      writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
      writeFileSync(join(dir, 'assets', 'notes.txt'), 'not served');
      const assets = loadAssets(dir, '/ops/console')!;
      expect(assets.page.body.toString()).toBe('<script src="/ops/console/assets/app-1.js"></script>');
      expect(assets.page.cacheControl).toBe('no-cache');
      expect([...assets.files.keys()]).toEqual(['app-1.js']);
      expect(assets.files.get('app-1.js')).toMatchObject({
        type: 'text/javascript; charset=utf-8',
        cacheControl: 'public, max-age=31536000, immutable',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
