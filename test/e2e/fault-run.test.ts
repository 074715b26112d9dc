/**
 * The fault run: 2,000 requests (half streaming, 32 in flight) across three instances while
 * one answers 500s, one hangs intermittently and one cuts its connections mid-stream, then all
 * recover. Load balancer (sticky sessions) and circuit breaker (with health checks) enabled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, withOptions } from '@switchyard/core';
import type { AttemptResult, Plugin } from '@switchyard/core';
import { loadBalancer } from '@switchyard/plugin-load-balancer';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { Fault, MockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { manualClock, until } from '../support/wait.js';

const TOTAL = 2000;
const CONCURRENCY = 32;
const SESSIONS = 64;
const FAILURE_THRESHOLD = 5;
/**
 * Per-attempt timeout: it ends the mock's hangs, and a healthy mock answers far within it even on
 * a loaded machine (a short one turned slow answers into 504s and moved sticky sessions).
 */
const TIMEOUT_MS = 5000;
const DEADLINE_MS = 3 * TIMEOUT_MS;
/** A request still open this long after the deadline counts as hung. */
const HUNG_MS = DEADLINE_MS + 5000;
/** The whole run, hangs included, takes well under a minute; this means it hangs. */
const RUN_HUNG_MS = 240_000;

type Timeline = Array<
  | { kind: 'result'; instance: string; phase: number; result: AttemptResult }
  | { kind: 'transition'; breaker: string; to: string; phase: number; reason: string }
>;

interface Outcome {
  i: number;
  phase: number;
  session: string;
  stream: boolean;
  status: number;
  target: string | null;
  attempts: number;
  /** ok | stream_error | http_<status> | client_aborted | hung | malformed */
  kind: string;
}

const mocks: Record<string, MockOpenAI> = {};
const timeline: Timeline = [];
let phase = 0;
let gw: RunningGateway;
const lb = loadBalancer();

/** Sees every attempt after the breaker and balancer learned from it. */
const observer: Plugin = {
  name: 'fault-observer',
  apply(g) {
    g.hooks.onResult.tap(
      'fault-observer',
      (result) => void timeline.push({ kind: 'result', instance: result.target.instance.name, phase, result }),
    );
  },
};

beforeAll(async () => {
  for (const name of ['i1', 'i2', 'i3']) mocks[name] = await startMockOpenAI({ name });
  const logger = createLogger({
    level: 'info',
    destination: {
      write(line: string) {
        if (!line.includes('"plugin":"circuit-breaker"')) return;
        const l = JSON.parse(line) as { breaker: string; to: string; reason: string };
        timeline.push({ kind: 'transition', breaker: l.breaker, to: l.to, phase, reason: l.reason });
      },
    },
  });
  gw = await startGateway(
    {
      providers: ['i1', 'i2', 'i3'].map((n) =>
        mockProvider(n, mocks[n]!.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: TIMEOUT_MS }),
      ),
      routing: { maxAttempts: 3, deadlineMs: DEADLINE_MS },
    },
    {
      logger,
      plugins: [
        withOptions(lb, { sticky: { sources: ['header'] } }),
        withOptions(circuitBreaker(), {
          failureThreshold: FAILURE_THRESHOLD,
          openMs: 300,
          maxOpenMs: 800,
          successThreshold: 2,
          healthChecks: { intervalMs: 100, instances: ['i1', 'i3'] },
        }),
        observer,
      ],
    },
  );
});

afterAll(async () => {
  await gw?.close();
  for (const m of Object.values(mocks)) await m.close();
});

async function one(i: number, abortAfterMs?: number): Promise<Outcome> {
  const session = `session-${i % SESSIONS}`;
  const stream = i % 2 === 1;
  const controller = new AbortController();
  const hung = setTimeout(() => controller.abort('hung'), HUNG_MS);
  const leave =
    abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort('client left'), abortAfterMs);
  const base = { i, phase, session, stream, status: 0, target: null, attempts: 0 };
  try {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', 'x-session-id': session },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: `request ${i}` }] }),
    });
    const text = await res.text();
    const out = {
      ...base,
      status: res.status,
      target: res.headers.get('x-switchyard-target'),
      attempts: Number(res.headers.get('x-switchyard-attempts') ?? 0),
    };
    if (res.status !== 200) {
      const error = (JSON.parse(text) as { error?: { message?: unknown; type?: unknown } }).error;
      const wellFormed = typeof error?.message === 'string' && typeof error.type === 'string';
      return { ...out, kind: wellFormed ? `http_${res.status}` : 'malformed' };
    }
    if (!stream)
      return { ...out, kind: (JSON.parse(text) as { choices?: unknown[] }).choices?.length ? 'ok' : 'malformed' };
    const events = text.trim().split('\n\n');
    const last = events.at(-1) ?? '';
    if (last === 'data: [DONE]') return { ...out, kind: 'ok' };
    return { ...out, kind: /^data: \{"error":\{"message":/.test(last) ? 'stream_error' : 'malformed' };
  } catch {
    return {
      ...base,
      kind:
        controller.signal.reason === 'hung'
          ? 'hung'
          : controller.signal.reason === 'client left'
            ? 'client_aborted'
            : 'malformed',
    };
  } finally {
    clearTimeout(hung);
    clearTimeout(leave);
  }
}

/** Runs requests [from, to) with CONCURRENCY in flight. */
async function run(from: number, to: number, leaveEvery?: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      out.push(await one(i, leaveEvery && i % leaveEvery === 0 ? 30 : undefined));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out.sort((a, b) => a.i - b.i);
}

async function routes(): Promise<Array<{ name: string; state: string }>> {
  const body = (await (await fetch(`${gw.url}/admin/circuits`)).json()) as {
    instances: Array<{ name: string; breakers: Array<{ state: string }> }>;
  };
  return body.instances.map((i) => ({ name: i.name, state: i.breakers[0]!.state }));
}

const instanceOf = (o: Outcome): string | undefined => o.target?.split('/')[0];
const tally = (outcomes: Outcome[]): Record<string, number> =>
  outcomes.reduce<Record<string, number>>((t, o) => ((t[o.kind] = (t[o.kind] ?? 0) + 1), t), {});

/** Intermittent hangs for i2: one in twenty-four (each holds a client for TIMEOUT_MS), the others answer normally. */
const i2Faults: Fault[] = Array.from({ length: 3000 }, (_, k) =>
  k % 24 === 0 ? { kind: 'hang' } : { kind: 'delay', ms: 0 },
);

describe('fault run', () => {
  const all: Outcome[] = [];

  it(
    'serves 2,000 requests through 500s, hangs and mid-stream resets, and recovers',
    async () => {
      // Phase 1: healthy. Sticky bindings must hold.
      phase = 1;
      const healthy = await run(0, 300);
      all.push(...healthy);
      expect(tally(healthy)).toEqual({ ok: 300 });
      const home = new Map<string, string>();
      for (const o of healthy) {
        const where = instanceOf(o)!;
        expect(home.get(o.session) ?? where).toBe(where);
        home.set(o.session, where);
      }
      expect(new Set(home.values()).size).toBe(3);

      // Phase 2: faults. Some clients leave early.
      phase = 2;
      mocks.i1!.setFault({ kind: 'status', status: 500 });
      mocks.i2!.queueFault(...i2Faults);
      mocks.i3!.setFault({ kind: 'cut', afterChunks: 2 });
      const i2Before = mocks.i2!.requests.length;
      const faulty = await run(300, 1500, 40);
      all.push(...faulty);
      mocks.i1!.setFault(null);
      mocks.i3!.setFault(null);
      // The mock's FIFO of queued faults (private): what is left of it tells how many hangs were handed out.
      const queue = (mocks.i2 as unknown as { faultQueue: Fault[] }).faultQueue;
      const consumed = i2Faults.length - queue.length;
      queue.length = 0;
      // Every request that hung at i2 was aborted by the gateway (timeout, deadline or client gone): none keeps running.
      const hangs = i2Faults.slice(0, consumed).filter((f) => f.kind === 'hang').length;
      const aborted = () => mocks.i2!.requests.slice(i2Before).filter((r) => r.aborted).length;
      expect(hangs).toBeGreaterThan(10);
      await until(() => aborted() >= hangs, { what: 'every hung request at i2 aborted' });

      // Phase 3: recovery. Open periods end (health probes cut them short for i1 and i3), half-open
      // probes close the breakers, and bindings settle and hold. Traffic goes on, in batches, until
      // every breaker is closed (probes need requests), then a last batch checks the bindings.
      phase = 3;
      const recovery: Outcome[] = [];
      let next = 1500;
      await until(
        async () => {
          const batch = Math.max(64, TOTAL - 128 - next);
          recovery.push(...(await run(next, next + batch)));
          next += batch;
          return (await routes()).every((r) => r.state === 'closed');
        },
        { what: 'every breaker closed again', everyMs: 0 },
      );
      const settled = await run(next, next + 128);
      recovery.push(...settled);
      all.push(...recovery);

      const results = timeline.flatMap((e) => (e.kind === 'result' ? [e] : []));
      const transitions = timeline.flatMap((e) => (e.kind === 'transition' ? [e] : []));
      const counts = {
        requests: all.length,
        successes: all.filter((o) => o.kind === 'ok').length,
        failovers: all.filter((o) => o.attempts > 1).length,
        attempts: results.length,
        errorsByClass: tally(all.filter((o) => o.kind !== 'ok')),
        attemptFailuresByKind: results
          .filter((r) => r.result.outcome !== 'success')
          .reduce<Record<string, number>>((t, r) => {
            const k = `${r.instance}:${r.result.outcome}${r.result.failure ? `/${r.result.failure}` : ''}`;
            t[k] = (t[k] ?? 0) + 1;
            return t;
          }, {}),
        breakerOpenings: transitions.filter((t) => t.to === 'open').length,
        openingsByInstance: transitions
          .filter((t) => t.to === 'open')
          .reduce<Record<string, number>>((t, x) => ((t[x.breaker] = (t[x.breaker] ?? 0) + 1), t), {}),
        sessions: lb.sessionCount(),
      };
      console.log('fault run counts:', JSON.stringify(counts, null, 2));

      // Nothing lost, nothing hanging past the deadline, every error well formed.
      expect(all.length).toBeGreaterThanOrEqual(TOTAL);
      expect(new Set(all.map((o) => o.i)).size).toBe(all.length);
      expect(all.filter((o) => o.kind === 'hung' || o.kind === 'malformed')).toEqual([]);
      for (const o of all)
        expect(['ok', 'stream_error', 'http_502', 'http_503', 'http_504', 'client_aborted']).toContain(o.kind);
      expect(tally(settled)).toEqual({ ok: settled.length });

      // Failures classified as specified.
      for (const r of results.filter((e) => e.phase === 2 && e.result.outcome !== 'success')) {
        const { outcome, failure, status } = r.result;
        if (outcome === 'cancelled') expect(failure).toBe('client_abort');
        else if (r.instance === 'i1') expect([outcome, failure, status]).toEqual(['failure', 'status', 500]);
        else if (r.instance === 'i2') expect([outcome, failure]).toEqual(['failure', 'timeout']);
        else expect(outcome === 'failure' && (failure === 'stream_broken' || failure === 'connection')).toBe(true);
      }
      expect(results.some((r) => r.result.outcome === 'business_error')).toBe(false);

      // The breaker opened within failureThreshold failures of i1 and of i3.
      for (const name of ['i1', 'i3']) {
        const opened = timeline.findIndex((e) => e.kind === 'transition' && e.breaker === name && e.to === 'open');
        expect(opened).toBeGreaterThan(-1);
        const before = timeline
          .slice(0, opened)
          .filter((e) => e.kind === 'result' && e.instance === name && e.result.outcome === 'failure');
        expect(before.length).toBeLessThanOrEqual(FAILURE_THRESHOLD);
      }
      // … and every breaker is closed after recovery.
      expect(await routes()).toEqual([
        { name: 'i1', state: 'closed' },
        { name: 'i2', state: 'closed' },
        { name: 'i3', state: 'closed' },
      ]);

      // Sticky bindings moved off i1 while it was broken…
      const late2 = faulty.slice(-300).filter((o) => o.kind === 'ok');
      expect(late2.filter((o) => instanceOf(o) === 'i1')).toEqual([]);
      expect(late2.filter((o) => home.get(o.session) === 'i1').length).toBeGreaterThan(0);
      // … and hold once everything is healthy again: each session's last requests land on one instance.
      const tail = settled;
      const placed = new Map<string, Set<string>>();
      for (const o of tail) placed.set(o.session, (placed.get(o.session) ?? new Set()).add(instanceOf(o)!));
      expect([...placed.values()].filter((s) => s.size > 1)).toEqual([]);

      // No attempt is still counted in flight.
      const sessions = (await (await fetch(`${gw.url}/admin/sessions`)).json()) as {
        instances: Array<{ inFlight: number }>;
      };
      expect(sessions.instances.map((i) => i.inFlight)).toEqual([0, 0, 0]);
    },
    RUN_HUNG_MS,
  );

  it('honours Retry-After on 429: the instance is skipped for that long, then used again', async () => {
    // A gateway of its own whose breaker clock moves only when the test moves it: "for that long" is exact.
    // Upstreams of its own too: the run's gateway health-checks i1 and i3, and a probe would take the queued 429.
    const clock = manualClock();
    const own429: Record<string, MockOpenAI> = {};
    for (const name of ['r1', 'r2', 'r3']) own429[name] = await startMockOpenAI({ name });
    const own = await startGateway(
      {
        providers: ['r1', 'r2', 'r3'].map((n) =>
          mockProvider(n, own429[n]!.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: TIMEOUT_MS }),
        ),
      },
      {
        plugins: [withOptions(loadBalancer(), { sticky: { sources: ['header'] } }), circuitBreaker({ now: clock.now })],
      },
    );
    const ask = async (session: string) => {
      const res = await fetch(`${own.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-id': session },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.text();
      expect(res.status).toBe(200);
      return res.headers.get('x-switchyard-target')!.split('/')[0]!;
    };
    const chats = (name: string) => own429[name]!.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    try {
      const home = await ask('retry-after-session');
      own429[home]!.queueFault({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
      const parkedAt = clock.now();
      expect(await ask('retry-after-session')).not.toBe(home);
      const before = chats(home);
      // While parked, the instance gets nothing, whoever asks.
      for (let k = 0; k < 30; k++) expect(await ask(`other-${k}`)).not.toBe(home);
      expect(chats(home)).toBe(before);
      const body = (await (await fetch(`${own.url}/admin/circuits`)).json()) as {
        instances: Array<{ name: string; breakers: Array<{ parkedUntil?: number; state: string }> }>;
      };
      const breaker = body.instances.find((i) => i.name === home)!.breakers[0]!;
      expect(breaker.state).toBe('closed');
      expect(breaker.parkedUntil).toBe(parkedAt + 1000);
      // One millisecond short it is still parked; then new sessions land there again.
      clock.advance(999);
      expect(await ask('late-0')).not.toBe(home);
      clock.advance(1);
      let k = 0;
      await until(async () => (await ask(`after-${k++}`)) === home, {
        what: `a request at ${home} after its Retry-After`,
      });
      expect(chats(home)).toBe(before + 1);
    } finally {
      await own.close();
      for (const m of Object.values(own429)) await m.close();
    }
  });
});

describe('hedged run', () => {
  it("hedges requests slower than their target's p95: every request served, the losers aborted", async () => {
    const slow: Record<string, MockOpenAI> = {};
    for (const name of ['h1', 'h2', 'h3']) slow[name] = await startMockOpenAI({ name });
    const seen: AttemptResult[] = [];
    const watch: Plugin = {
      name: 'hedge-observer',
      apply: (g) => g.hooks.onResult.tap('hedge-observer', (r) => void seen.push(r)),
    };
    const hedged = await startGateway(
      {
        providers: ['h1', 'h2', 'h3'].map((n) =>
          mockProvider(n, slow[n]!.baseUrl, { models: ['gpt-4o-mini'], timeoutMs: 20_000 }),
        ),
        routing: { hedge: true, hedgeMinSamples: 20 },
      },
      { plugins: [withOptions(loadBalancer(), { sticky: { enabled: false } }), circuitBreaker(), watch] },
    );
    try {
      // One request in 25 at h2 takes 3 s: far beyond its p95, even on a loaded machine (the hedge ends it early).
      slow.h2!.queueFault(
        ...Array.from({ length: 1000 }, (_, k): Fault =>
          k % 25 === 24 ? { kind: 'delay', ms: 3000 } : { kind: 'delay', ms: 0 },
        ),
      );
      let next = 0;
      const statuses: number[] = [];
      const worker = async (): Promise<void> => {
        while (next < 600) {
          const i = next++;
          const res = await fetch(`${hedged.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'gpt-4o-mini',
              stream: i % 2 === 1,
              messages: [{ role: 'user', content: `r${i}` }],
            }),
          });
          await res.text();
          statuses.push(res.status);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      // Each fired hedge ends with one loser aborted (unless both answered in the same instant).
      await until(() => seen.filter((r) => r.failure === 'hedge_lost').length > 0, { what: 'a hedge loser aborted' });
      await until(() => Object.values(slow).some((m) => m.requests.some((r) => r.aborted)), {
        what: 'a mock seeing an aborted loser',
      });
      const fired = seen.filter((r) => r.hedge).length;
      const counts = {
        requests: statuses.length,
        ok: statuses.filter((s) => s === 200).length,
        hedgesFired: fired,
        hedgesWon: seen.filter((r) => r.hedge && r.outcome === 'success').length,
        losersAborted: seen.filter((r) => r.failure === 'hedge_lost').length,
        slowAnswersQueuedAtH2: Math.floor(slow.h2!.requests.length / 25),
      };
      console.log('hedged run counts:', JSON.stringify(counts));
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(fired).toBeGreaterThan(0);
      expect(counts.hedgesWon).toBeGreaterThan(0);
      expect(counts.losersAborted).toBeGreaterThan(0);
      expect(counts.losersAborted).toBeLessThanOrEqual(fired);
      expect(seen.some((r) => r.failure === 'client_abort' || r.outcome === 'failure')).toBe(false);
      const aborted = Object.values(slow).flatMap((m) => m.requests.filter((r) => r.aborted));
      expect(aborted.length).toBeGreaterThan(0);
    } finally {
      await hedged.close();
      for (const m of Object.values(slow)) await m.close();
    }
  });
});
