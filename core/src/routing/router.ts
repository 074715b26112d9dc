import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Exchange } from '../exchange.js';
import type { Caller } from '../exchange.js';
import type { Gateway } from '../gateway.js';
import { requestValidator } from '../http/body.js';
import { chatRequestSchema, messagesRequestSchema } from '../http/request-schemas.js';
import { anthropicToCanonical } from '../protocols/anthropic-convert.js';
import type { AnthropicMessagesRequest } from '../protocols/anthropic-types.js';
import type { ChatRequest } from '../protocols/canonical.js';
import type { TargetHealth } from '../status.js';
import type { AttemptOutcome, AttemptResult, Protocol, Target } from '../types.js';
import { takeConstraints } from './constraints.js';
import type { RouteConstraints } from './constraints.js';
import { RoutePlan } from './route-plan.js';
import { MAX_TRACKED_TARGETS, RouterStats } from './stats.js';
import type { ReportedOutcome, TargetStats } from './stats.js';

export interface SelectOptions {
  /** Tags every target must carry, as `x-switchyard-tags` would. */
  tags?: readonly string[];
  /** Strategy by name, as `x-switchyard-strategy` would. */
  strategy?: string;
  /** Request headers routing reads (`x-switchyard-*`, affinity headers). */
  headers?: IncomingHttpHeaders;
  /** Who is asking, for per-key strategies. */
  caller?: Caller;
  /** The body's protocol: an OpenAI chat completion (default) or an Anthropic Messages request. */
  protocol?: Protocol;
}

export interface TargetStatsReport {
  id: string;
  instance: string;
  model: string;
  requests: number;
  successes: number;
  failures: number;
  rateLimited: number;
  businessErrors: number;
  /** successes / (requests − business errors); null before any attempt. */
  successRate: number | null;
  ttftMs: number | null;
  msPerOutputToken: number | null;
  latencyMs: number | null;
  health: TargetHealth;
}

export interface RouterStatsReport {
  totals: { targets: number; healthy: number; requests: number; successes: number };
  targets: TargetStatsReport[];
}

const validateChat = requestValidator(chatRequestSchema);
const validateMessages = requestValidator(messagesRequestSchema);

/**
 * Routing as a library (`gateway.router`): the plan a request would get, without sending it;
 * outcomes reported from outside; what routing learned per target.
 */
export class Router {
  /** Per-target counts and EWMAs; core records every attempt result here. */
  readonly table: RouterStats;
  readonly #gateway: Gateway;
  /** Targets seen in results that no listing names (prefix-claimed models), for stats(). */
  readonly #seen = new Map<string, Target>();

  /** `table`: the previous generation's, so learned figures outlive a config reload. */
  constructor(gateway: Gateway, table = new RouterStats()) {
    this.#gateway = gateway;
    this.table = table;
  }

  /** The ordered plan for a chat request (OpenAI shape unless `protocol` says otherwise), through every selectRoute tap, as a dry run (no side effects). */
  async select(request: ChatRequest | Record<string, unknown>, options: SelectOptions = {}): Promise<RoutePlan> {
    return (await this.explainExchange(request, options)).plan;
  }

  /** @internal select(), keeping the exchange (explain reads its constraints and needs). */
  async explainExchange(request: ChatRequest | Record<string, unknown>, options: SelectOptions = {}): Promise<Exchange> {
    const body = { ...request } as Record<string, unknown>;
    const protocol = options.protocol ?? 'openai';
    (protocol === 'anthropic' ? validateMessages : validateChat)(body);
    const headers = options.headers ?? {};
    const constraints = withOptions(takeConstraints(body, headers), options);
    const x = new Exchange({
      id: randomUUID(),
      protocol,
      operation: 'chat',
      body,
      request: protocol === 'anthropic' ? anthropicToCanonical(body as unknown as AnthropicMessagesRequest).request : (body as ChatRequest),
      headers,
      plan: new RoutePlan(),
      constraints,
      dryRun: true,
    });
    if (options.caller) x.caller = options.caller;
    await this.#gateway.hooks.selectRoute.promise(x.plan, x);
    return x;
  }

  /** Feeds an outcome observed outside the gateway's own dispatch into the stats. */
  report(targetId: string, outcome: AttemptOutcome | ReportedOutcome): void {
    this.table.record(targetId, typeof outcome === 'string' ? { outcome } : outcome);
  }

  /** @internal Core records every attempt result. */
  record(result: AttemptResult): void {
    if (!this.#seen.has(result.target.id) && this.#seen.size < MAX_TRACKED_TARGETS) this.#seen.set(result.target.id, result.target);
    this.table.recordResult(result);
  }

  /** Learned figures of one target, if any attempt reached it. */
  statsOf(targetId: string): TargetStats | undefined {
    return this.table.get(targetId);
  }

  /** Per target (served targets and any target with results): counts, EWMAs and health; totals. */
  stats(): RouterStatsReport {
    const { resolver, status } = this.#gateway;
    const byId = new Map<string, Target>();
    for (const t of resolver.servedTargets()) byId.set(t.id, t);
    for (const [id, t] of this.#seen) if (!byId.has(id)) byId.set(id, t);
    const targets: TargetStatsReport[] = [];
    const totals = { targets: 0, healthy: 0, requests: 0, successes: 0 };
    for (const t of byId.values()) {
      const s = this.table.get(t.id);
      const health = status.health(t);
      const judged = s ? s.requests - s.businessErrors : 0;
      targets.push({
        id: t.id,
        instance: t.instance.name,
        model: t.model,
        requests: s?.requests ?? 0,
        successes: s?.successes ?? 0,
        failures: s?.failures ?? 0,
        rateLimited: s?.rateLimited ?? 0,
        businessErrors: s?.businessErrors ?? 0,
        successRate: s && judged > 0 ? round(s.successes / judged, 4) : null,
        ttftMs: figure(s?.ttftMs),
        msPerOutputToken: figure(s?.msPerOutputToken),
        latencyMs: figure(s?.latencyMs),
        health,
      });
      totals.targets++;
      if (health.healthy) totals.healthy++;
      totals.requests += s?.requests ?? 0;
      totals.successes += s?.successes ?? 0;
    }
    return { totals, targets };
  }
}

function withOptions(constraints: RouteConstraints, options: SelectOptions): RouteConstraints {
  if (options.tags === undefined && options.strategy === undefined) return constraints;
  return Object.freeze({
    ...constraints,
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
    ...(options.tags === undefined ? {} : { tags: [...new Set([...(constraints.tags ?? []), ...options.tags])] }),
  });
}

function figure(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : round(value, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
