/** What the rule-bypass suites send and read: one request as a caller holding `key` (or none) would send it. */
import type { ConfigInput } from '@switchyard/core';
import { startGateway, type RunningGateway } from './gateway.js';
import { finishedExchanges } from './finishes.js';

export interface Answer {
  status: number;
  json: any;
  text: string;
  headers: Record<string, string>;
}

/** A request with a gateway key as Bearer (or none), JSON and Anthropic's version header; GET without a body. */
export async function call(
  url: string,
  key: string | null,
  body?: unknown,
  {
    method = body === undefined ? 'GET' : 'POST',
    headers = {},
  }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: Object.fromEntries(res.headers) };
}

/** A one-message Chat Completions body. */
export const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

/** A key's budget as `/admin/budgets` shows it to `adminKey` (nothing spent when it has none yet). */
export async function budgetOf(
  gatewayUrl: string,
  adminKey: string,
  name: string,
): Promise<{ spentUsd: number; reservedUsd: number }> {
  const { json } = await call(`${gatewayUrl}/admin/budgets`, adminKey);
  return json.budgets.find((b: { scope: string }) => b.scope === `key:${name}`) ?? { spentUsd: 0, reservedUsd: 0 };
}

/** What a budgeted gateway of the rule-bypass suites serves: its keys (beside the admin key), catalog and upstreams. */
export interface BudgetedSetup {
  keys: object[];
  catalog: ConfigInput['catalog'];
  providers: ConfigInput['providers'];
  pricing?: Record<string, unknown>;
  store?: ConfigInput['store'];
  budgets?: Record<string, unknown>;
  rateLimit?: Record<string, unknown>;
  /** Any other config (routing, models). */
  config?: Partial<ConfigInput>;
}

/** Budgets on, the breaker off, `setup.keys` beside an admin key `adminKey` (to read budgets); `finished` counts exchanges. */
export async function budgetedGateway(
  adminKey: string,
  setup: BudgetedSetup,
): Promise<{ gw: RunningGateway; finished: ReturnType<typeof finishedExchanges> }> {
  const finished = finishedExchanges();
  const gw = await startGateway(
    {
      plugins: {
        'circuit-breaker': false,
        budgets: { enabled: true, ...setup.budgets },
        ...(setup.pricing ? { pricing: setup.pricing } : {}),
        ...(setup.rateLimit ? { 'rate-limit': setup.rateLimit } : {}),
        auth: { keys: [...setup.keys, { name: 'ops', key: adminKey, admin: true }] },
      },
      catalog: setup.catalog,
      providers: setup.providers,
      ...(setup.store ? { store: setup.store } : {}),
      ...setup.config,
    },
    { plugins: [finished.plugin] },
  );
  return { gw, finished };
}
