import type { Exchange } from '@switchyard/core';

/**
 * Body fields an OpenAI-compatible aggregator reads as routing of its own: OpenRouter's `models`
 * (fallback models), `route`, `provider`, `plugins` (web search at its own fee), `transforms` and
 * `preset`; LiteLLM proxy's `fallbacks`, `context_window_fallbacks`, `content_policy_fallbacks`
 * and client-side credentials (`api_base`, `base_url`, `api_key`, `api_version`), and its
 * `user_config` (a whole router of the caller's: model list, hosts, fallbacks). Passed on, they
 * would name models outside a key's list, run tools no price covers, or send the aggregator to
 * another host: the gateway routes, not the caller's body.
 */
export const ROUTING_FIELDS: readonly string[] = [
  'models',
  'route',
  'provider',
  'plugins',
  'transforms',
  'preset',
  'fallbacks',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'api_base',
  'base_url',
  'api_key',
  'api_version',
  'user_config',
];

/** Deletes from `body` (the attempt's own copy) the routing fields the instance does not let through, warning the caller once. */
export function dropRoutingFields(body: Record<string, unknown>, x: Exchange, allowed: readonly string[]): void {
  let dropped: string[] | undefined;
  for (const field of ROUTING_FIELDS) {
    if (!Object.hasOwn(body, field) || allowed.includes(field)) continue;
    delete body[field];
    (dropped ??= []).push(field);
  }
  if (dropped)
    x.warn(
      `${dropped.join(', ')} dropped: an aggregator's own routing fields (the instance's allowRoutingFields lets them through)`,
    );
}
