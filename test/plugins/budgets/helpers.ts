import { expect } from 'vitest';
import type { ConfigInput, PluginEntry } from '@switchyard/core';
import { budgets } from '@switchyard/plugin-budgets';
import { pricing } from '@switchyard/plugin-pricing';
import { finishedExchanges } from '../../support/finishes.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { startGatedUpstream } from '../../support/gated-upstream.js';
import type { GatedUpstream, UsageFor } from '../../support/gated-upstream.js';
import { waitFor } from '../../support/tcp-proxy.js';

export const APP = 'sk-gw-app-0123456789abcdef';
export const OTHER = 'sk-gw-other-0123456789abcdef';
export const ADMIN = 'sk-gw-admin-0123456789abcdef';
/** Output at $10 per 1M tokens, input free: a request reserves max_tokens × $0.00001. */
export const CATALOG = {
  m: { pricing: { input: 0, output: 10 }, maxOutputTokens: 200_000 },
  m2: { pricing: { input: 0, output: 10 } },
};
export const KEYS = [
  { name: 'app-1', key: APP, team: 'research' },
  { name: 'app-2', key: OTHER, team: 'research' },
  { name: 'ops', key: ADMIN, admin: true },
];

/** Noon UTC, mid-week, mid-month: no budget period ends near it. */
export const NOON = Date.parse('2026-06-17T12:00:00Z');

/**
 * The budgets and pricing plugins on a clock standing at `at`: a test whose budget has a period
 * must not see that period end while it runs (on the wall clock, a burst that straddles UTC
 * midnight charges its later requests to the next day's empty budget).
 */
export function stoppedClock(at = NOON): PluginEntry[] {
  const now = (): number => at;
  return [budgets({ now }), pricing({ now })];
}

const opened: Array<{ close(): Promise<void> }> = [];

/** For afterEach: upstreams first, so that a request a gated upstream still holds fails at once instead of holding a gateway's shutdown. */
export async function closeOpened(): Promise<void> {
  for (const o of opened.splice(0)) await o.close();
}

/** Usage: `max_tokens: 100000` marks a seed request that spends 96,500 output tokens ($0.965); the rest spend 5 ($0.00005). */
export const usage: UsageFor = (body) => ({
  prompt_tokens: 10,
  completion_tokens: body.max_tokens === 100_000 ? 96_500 : 5,
});

export interface Setup {
  gw: RunningGateway;
  upstream: GatedUpstream;
  finished: ReturnType<typeof finishedExchanges>;
  lines: Array<Record<string, unknown>>;
}

/** A gateway (standard preset) with the budgets plugin configured, on a gated upstream serving `m`, `m2` (priced) and `free`. */
export async function setup(
  budgetOptions: Record<string, unknown>,
  extra: {
    plugins?: PluginEntry[];
    usageFor?: UsageFor;
    providers?: Record<string, unknown>;
    upstream?: GatedUpstream;
    store?: ConfigInput['store'];
    pricingOff?: boolean;
  } = {},
): Promise<Setup> {
  let upstream = extra.upstream;
  if (!upstream) {
    const started = await startGatedUpstream(extra.usageFor ?? usage, { open: true });
    opened.push({ close: () => started.stop() });
    upstream = started;
  }
  const finished = finishedExchanges();
  const { logger, lines } = memoryLogger();
  const gw = await startGateway(
    {
      providers: [mockProvider('u', upstream.baseUrl, { models: ['m', 'm2', 'free'], ...extra.providers })],
      catalog: CATALOG,
      plugins: {
        auth: { keys: KEYS },
        budgets: budgetOptions,
        'circuit-breaker': false,
        ...(extra.pricingOff ? { pricing: false } : {}),
      },
      ...(extra.store ? { store: extra.store } : {}),
    },
    { plugins: [...(extra.plugins ?? []), finished.plugin], logger },
  );
  opened.push(gw);
  return { gw, upstream, finished, lines };
}

export function chat(gw: RunningGateway, body: Record<string, unknown>, key = APP): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

export async function admin(gw: RunningGateway, path: string): Promise<any> {
  const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return res.headers.get('content-type')?.startsWith('text/csv') ? res.text() : res.json();
}

export async function budgetOf(
  gw: RunningGateway,
  scope: string,
): Promise<{ spentUsd: number; reservedUsd: number; usd: number; resetsAt?: string }> {
  const body = await admin(gw, '/admin/budgets');
  return body.budgets.find((b: { scope: string }) => b.scope === scope);
}

/** Spends $0.965 of the key's budget with one request, settled before the call returns. */
export async function seed(gw: RunningGateway, finished: ReturnType<typeof finishedExchanges>): Promise<void> {
  const res = await chat(gw, { max_tokens: 100_000 });
  expect(res.status).toBe(200);
  await res.text();
  await finished.next();
}

/**
 * 50 requests at once against a budget with room for 3 reservations, the upstream holding every
 * answer: once all 50 are decided (refused, or received upstream), exactly 3 got through; once
 * answered, the budget holds what they cost.
 */
export async function burst(
  gateways: RunningGateway[],
  upstream: GatedUpstream,
  before: number,
): Promise<{ ok: number; refused: Refusal[] }> {
  upstream.close();
  const refused: Refusal[] = [];
  let ok = 0;
  const all = Array.from({ length: 50 }, (_, i) =>
    chat(gateways[i % gateways.length]!, { max_tokens: 1000 }).then(async (res) => {
      const text = await res.text();
      if (res.status === 200) ok++;
      else refused.push({ status: res.status, headers: res.headers, body: JSON.parse(text) });
    }),
  );
  await waitFor(
    () => refused.length + (upstream.received - before) === 50,
    'every request of the burst refused or held upstream',
  );
  expect(upstream.received - before).toBe(3);
  upstream.open();
  await Promise.all(all);
  return { ok, refused };
}

export interface Refusal {
  status: number;
  headers: Headers;
  body: any;
}
