import type { Static } from '@sinclair/typebox';
import { mapOf, stringEnum, Type } from '@switchyard/core';

export const PERIODS = ['day', 'week', 'month', 'none'] as const;
export type Period = (typeof PERIODS)[number];

/** One budget: USD per period. */
export const budgetSchema = Type.Object(
  {
    usd: Type.Number({ minimum: 0, description: 'USD that may be spent per period.' }),
    period: stringEnum(PERIODS, {
      type: 'string',
      default: 'month',
      description: '`day`, `week` (from Monday), `month` (calendar), all in UTC; `none`: never resets.',
    }),
    softLimit: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          "Fraction of `usd` past which a warning is logged (once per period) and counted; default the plugin's `softLimit`.",
      }),
    ),
  },
  { additionalProperties: false },
);

export type Budget = Static<typeof budgetSchema>;

/** Options of the budgets plugin (`plugins.budgets`). */
export const optionsSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Turns the plugin on without budgets of its own: spend records, and the budgets gateway keys carry (`budget` on an auth key, in config or set at run time). Any budget below turns it on too.',
    }),
    global: Type.Optional(
      Type.Object(budgetSchema.properties, {
        additionalProperties: false,
        description: 'One budget for every request through the gateway.',
      }),
    ),
    teams: mapOf(budgetSchema, { default: {}, description: 'Budgets per team (the `team` of gateway keys).' }),
    keys: mapOf(budgetSchema, {
      default: {},
      description: "Budgets per gateway key name; they replace `defaults` and the key's own `budget`.",
    }),
    defaults: Type.Optional(
      Type.Object(budgetSchema.properties, {
        additionalProperties: false,
        description: 'The budget of every gateway key without one (anonymous callers have none).',
      }),
    ),
    softLimit: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.8,
      description:
        'Default fraction of a budget past which a warning is logged once per period and the `budgets_over_soft_limit` gauge counts it.',
    }),
    onStoreError: stringEnum(['allow', 'deny'], {
      type: 'string',
      default: 'deny',
      description:
        'When the budget store is unreachable and a request has a budget: `deny` refuses it with 503 `budget_unavailable` (spend stays within budgets); `allow` lets it through unchecked (logged, with a warning header).',
    }),
    unpriced: stringEnum(['deny', 'free'], {
      type: 'string',
      default: 'deny',
      description:
        'A target without a known price, for a request that has a budget: `deny` leaves it out of the plan (its cost could not be counted); `free` counts it as costing nothing.',
    }),
    reserveOutputTokens: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          "Output tokens reserved for a request that sets no `max_tokens` / `max_completion_tokens`, and sent as its limit; default the model's `maxOutputTokens`, else 4096.",
      }),
    ),
    reservationTtlMs: Type.Integer({
      minimum: 1000,
      default: 3_600_000,
      description:
        'A reservation not settled within it is released: its replica died. A replica gives the reservations of its running requests the time again every third of it.',
    }),
    settleDelayMs: Type.Integer({
      minimum: 0,
      default: 50,
      description:
        'Redis: settlements wait at most this long to travel with the next reservation, so a request costs one round trip (0: each is sent at once).',
    }),
    retentionDays: Type.Integer({ minimum: 1, default: 400, description: 'Days spend records are kept.' }),
  },
  { additionalProperties: false },
);

export type BudgetsOptions = Static<typeof optionsSchema>;
