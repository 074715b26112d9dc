/**
 * `anthropic-beta` values and the request fields that exist only under them. An upstream that does
 * not take a beta refuses its fields as unknown too, so dropping a beta drops what depends on it.
 * Pure: no Koa, no tapable.
 */
import type { AnthropicMessagesRequest } from './types.js';

type Json = Record<string, unknown>;
type Warn = (message: string) => void;

/** Smallest extended-thinking budget Anthropic accepts. */
export const MIN_THINKING_BUDGET = 1024;

/** The values of one or more `anthropic-beta` headers (comma-separated), in order, without repeats. */
export function parseBetas(header: string | readonly string[] | undefined): string[] {
  if (header === undefined) return [];
  const values = (typeof header === 'string' ? [header] : header).flatMap((h) => h.split(','));
  return [...new Set(values.map((b) => b.trim()).filter(Boolean))];
}

/** `*` in a pattern matches any run of characters; anything else matches itself. */
function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (value) => regexes.some((r) => r.test(value));
}

/** Which betas an upstream takes: `accepted` (globs; `*` any) minus `refused` (globs). */
export interface BetaPolicy {
  readonly accepted: readonly string[];
  readonly refused: readonly string[];
}

const policies = new WeakMap<BetaPolicy, (beta: string) => boolean>();

/** Splits the caller's betas into the ones the upstream takes and the ones dropped. */
export function filterBetas(betas: readonly string[], policy: BetaPolicy): { kept: string[]; dropped: string[] } {
  let takes = policies.get(policy);
  if (!takes) {
    const accepted = globMatcher(policy.accepted);
    const refused = globMatcher(policy.refused);
    takes = (beta) => accepted(beta) && !(policy.refused.length && refused(beta));
    policies.set(policy, takes);
  }
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const beta of betas) (takes(beta) ? kept : dropped).push(beta);
  return { kept, dropped };
}

/** Request fields that exist only under one of the betas listed, and how to take each out. */
interface BetaFeature {
  readonly betas: readonly string[];
  /** How the warning names it. */
  readonly what: string;
  /** Removes the feature from a copy of the body; false when the body had none. */
  strip(body: Json): boolean;
}

const topLevel = (field: string, betas: readonly string[]): BetaFeature => ({
  betas,
  what: field,
  strip(body) {
    return body[field] !== undefined && Reflect.deleteProperty(body, field);
  },
});

/** What the Messages API accepts only with a beta value (as of 2026-12). */
export const BETA_FEATURES: readonly BetaFeature[] = [
  topLevel('context_management', ['context-management-2025-06-27']),
  topLevel('mcp_servers', ['mcp-client-2025-04-04', 'mcp-client-2025-11-20', 'mcp-client-2026-09-15']),
  topLevel('output_format', ['structured-outputs-2025-11-13']),
  topLevel('compaction', ['compact-2026-01-12', 'compact-2026-09-04']),
  {
    betas: ['per-turn-control-2026-07-01', 'mid-conversation-output-config-2026-07-01'],
    what: 'output_config of system entries in messages',
    strip(body) {
      const messages = body.messages;
      if (
        !Array.isArray(messages) ||
        !messages.some((m: Json) => m?.role === 'system' && m.output_config !== undefined)
      )
        return false;
      body.messages = messages.flatMap((m: Json) => {
        if (m?.role !== 'system' || m.output_config === undefined) return [m];
        const { output_config: _dropped, ...rest } = m;
        // An entry that only carried the setting has nothing left to say.
        return rest.content === undefined ? [] : [rest];
      });
      return true;
    },
  },
  {
    betas: ['advanced-tool-use-2025-11-20'],
    what: 'tools[].defer_loading (deferred tools are offered up front)',
    strip(body) {
      const tools = body.tools;
      if (!Array.isArray(tools) || !tools.some((t: Json) => t?.defer_loading !== undefined)) return false;
      body.tools = tools.map((t: Json) => {
        if (t?.defer_loading === undefined) return t;
        const { defer_loading: _dropped, ...rest } = t;
        return rest;
      });
      return true;
    },
  },
];

/**
 * The body without the fields of dropped betas (each named in a warning), unless a kept beta
 * still covers them. Returns the body itself when nothing had to go.
 */
export function withoutBetaFields<T extends AnthropicMessagesRequest | Json>(
  body: T,
  kept: readonly string[],
  dropped: readonly string[],
  warn: Warn,
): T {
  if (dropped.length === 0) return body;
  let copy: Json | undefined;
  for (const feature of BETA_FEATURES) {
    const gone = feature.betas.filter((b) => dropped.includes(b));
    if (gone.length === 0 || feature.betas.some((b) => kept.includes(b))) continue;
    copy ??= { ...body };
    if (feature.strip(copy)) warn(`${feature.what} dropped with anthropic-beta ${gone.join(', ')}`);
  }
  return (copy ?? body) as T;
}

/**
 * The body with `max_tokens` lowered to `maxTokens` (already fitted to the model) and an extended
 * thinking budget kept below it, as the API requires; thinking that no longer fits its minimum is
 * turned off, with a warning. Returns the body itself when `maxTokens` changes nothing.
 */
export function withMaxTokens<T extends AnthropicMessagesRequest | Json>(body: T, maxTokens: number, warn: Warn): T {
  if (body.max_tokens === maxTokens) return body;
  const copy: Json = { ...body, max_tokens: maxTokens };
  const thinking = copy.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (
    thinking?.type === 'enabled' &&
    typeof thinking.budget_tokens === 'number' &&
    thinking.budget_tokens >= maxTokens
  ) {
    if (maxTokens - 1 < MIN_THINKING_BUDGET) {
      delete copy.thinking;
      warn(
        `thinking turned off (max_tokens ${maxTokens} leaves no room for the minimum thinking budget of ${MIN_THINKING_BUDGET})`,
      );
    } else {
      copy.thinking = { ...thinking, budget_tokens: maxTokens - 1 };
      warn(`thinking.budget_tokens ${thinking.budget_tokens} lowered to ${maxTokens - 1} to stay below max_tokens`);
    }
  }
  return copy as T;
}
