import { errorCode, SwitchyardError } from '@switchyard/core';
import type { ErrorSpec, Gateway } from '@switchyard/core';
import type { GatewayKey, TableEntry } from './key-table.js';

/** 503: the key carries limits and no plugin of this gateway counts them. */
export const LIMITS_UNAVAILABLE = errorCode('SWITCHYARD_ERR_LIMITS_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'policy',
  kind: 'limits_unavailable',
});

/** 503: the key carries a budget and no plugin of this gateway counts it (plugin-budgets' code, defined alike). */
export const BUDGET_UNAVAILABLE = errorCode('SWITCHYARD_ERR_BUDGET_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'policy',
  kind: 'budget_unavailable',
});

/** A key field another plugin enforces, read from `x.caller.metadata` (the field, else the same name in the key's free-form metadata). */
interface KeyRule {
  readonly field: 'limits' | 'budget';
  /** The plugin that enforces it, by name: no package dependency. */
  readonly plugin: string;
  readonly what: string;
  readonly code: ErrorSpec;
  readonly publicCode: string;
}

const RULES: readonly KeyRule[] = [
  {
    field: 'limits',
    plugin: 'rate-limit',
    what: 'limits',
    code: LIMITS_UNAVAILABLE,
    publicCode: 'limits_unavailable',
  },
  {
    field: 'budget',
    plugin: 'budgets',
    what: 'a budget',
    code: BUDGET_UNAVAILABLE,
    publicCode: 'budget_unavailable',
  },
];

/**
 * The key rules no plugin of this gateway enforces: their plugin was left out of the preset
 * (`false`) or never registered. (Budgets in the gateway but off refuse budgeted keys themselves.)
 */
export function unreadRules(gateway: Pick<Gateway, 'pluginOptions'>): readonly KeyRule[] {
  const options = gateway.pluginOptions();
  return RULES.filter((rule) => options[rule.plugin] === undefined || options[rule.plugin] === false);
}

const has = (entry: Pick<TableEntry, 'limits' | 'budget' | 'metadata'>, field: KeyRule['field']): boolean =>
  entry[field] !== undefined || entry.metadata?.[field] !== undefined;

const unenforced = (rule: KeyRule): string =>
  `the ${rule.plugin} plugin that enforces it is not in this gateway (plugins.${rule.plugin})`;

/** A startup problem per config key carrying a rule nothing enforces: it would be served without it. */
export function unreadRuleProblems(keys: readonly TableEntry[], rules: readonly KeyRule[]): string[] {
  return keys.flatMap((key, i) =>
    rules
      .filter((rule) => has(key, rule.field))
      .map(
        (rule) =>
          `plugins.auth.keys[${i}] (${key.name}): has ${rule.what}, and ${unenforced(rule)}: it would be served without it`,
      ),
  );
}

/** The refusal of a (run-time) key carrying a rule nothing enforces, rather than serving it without. */
export function ruleUnavailable(key: GatewayKey, rules: readonly KeyRule[]): SwitchyardError | undefined {
  const rule = rules.find((r) => key.caller.metadata[r.field] !== undefined);
  if (!rule) return undefined;
  return new SwitchyardError(
    rule.code,
    `the key ${key.name} has ${rule.what}, and ${unenforced(rule)}: the request is refused rather than served without it`,
    { expose: true, publicCode: rule.publicCode },
  );
}
