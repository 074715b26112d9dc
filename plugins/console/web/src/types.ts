/** The shapes of the admin endpoints the console reads (the fields it uses). */

export interface Percentiles {
  p50: number;
  p95: number;
}

export interface SeriesFigures {
  name: string;
  requests: number;
  rate: number;
  errors: number;
  errorRate: number;
  latencyMs: Percentiles | null;
  ttftMs: Percentiles | null;
  tokens: { input: number; output: number };
  costUsd: number;
  history: number[];
}

/** GET /admin/console/traffic */
export interface Traffic {
  at: number;
  windowSeconds: number;
  spanSeconds: number;
  refreshMs: number;
  total: SeriesFigures;
  models: SeriesFigures[];
  targets: SeriesFigures[];
}

export interface RequestRecord {
  seq: number;
  at: number;
  id: string;
  caller?: string;
  protocol: string;
  model: string;
  stream: boolean;
  target?: string;
  attempts: number;
  status: number;
  errorCode?: string;
  latencyMs: number;
  ttftMs?: number;
  tokens?: { input: number; output: number };
  costUsd?: number;
  cache?: string;
  aborted?: boolean;
}

/** GET /admin/console/requests */
export interface RequestPage {
  requests: RequestRecord[];
  last: number;
  refreshMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface BreakerSnapshot {
  key: string;
  state: CircuitState;
  consecutiveFailures: number;
  windowRequests: number;
  windowFailures: number;
  openings: number;
  reason?: string;
  openUntil?: number;
  parkedUntil?: number;
  probesInFlight: number;
  ejected?: { reason: string; at: number };
}

/** GET /admin/circuits (circuit-breaker plugin) */
export interface Circuits {
  instances: Array<{ name: string; type: string; breakers: BreakerSnapshot[] }>;
  models: Array<{ name: string; targets: Array<{ id: string; state: CircuitState; ejected?: boolean }> }>;
}

/** GET /admin/routes (core), the parts the console uses. */
export interface Routes {
  instances: Array<{ name: string; type: string; priority: number; weight: number }>;
  models: Array<{ name: string; targets: Array<{ id: string }> }>;
}

/** POST /admin/route/explain */
export interface Explanation {
  model: string;
  constraints?: Record<string, unknown>;
  needs?: Record<string, unknown>;
  targets: string[];
  discovered: Array<{ target: string; rule: string; by: string }>;
  exclusions: Array<{ target: string; by: string; reason: string }>;
  orderings: Array<{ by: string; scores: Record<string, number>; note?: string }>;
  error?: { status: number; code: string; message: string };
}

export interface KeyListing {
  name: string;
  fingerprint: string;
  enabled: boolean;
  admin: boolean;
  expired: boolean;
  expiresAt?: string;
  models: string[];
  providers?: string[];
  team?: string;
  owner?: string;
  strategy?: string;
  limits?: Limits;
}

/** GET /admin/keys (auth plugin) */
export interface Keys {
  keys: KeyListing[];
}

export interface Limits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokensPerDay?: number;
  concurrent?: number;
  models?: Record<string, unknown>;
}

export interface Reading {
  used: number;
  resetMs: number;
}

/** GET /admin/rate-limit/keys/:name (rate-limit plugin) */
export interface KeyUsage {
  requests: Reading;
  tokens: Reading;
  daily: Reading;
  concurrent: Reading;
}

/** GET /admin/config (core): secrets masked. */
export interface EffectiveConfig {
  generation: number;
  loadedAt: string;
  source?: string;
  reloads: { ok: number; failed: number; last?: { at: string; ok: boolean; generation: number; problems?: string[] } };
  config: { plugins: Record<string, unknown> } & Record<string, unknown>;
}

/** POST /admin/reload (core): 200 or 422. */
export interface ReloadResult {
  ok: boolean;
  generation: number;
  problems?: string[];
}
