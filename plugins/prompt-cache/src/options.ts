import type { Static } from '@sinclair/typebox';
import { mapOf, stringEnum, Type } from '@switchyard/core';

/** Anthropic's 1-hour cache costs more to write (2x input) than the default 5-minute one (1.25x). */
export type CacheTtl = '5m' | '1h';

/** Anthropic's published minimums; every other Claude model caches from 1024 tokens. */
export const DEFAULT_MIN_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-6': 4096,
  'claude-opus-4-5': 4096,
  'claude-haiku-4-5': 4096,
  'claude-sonnet-4-6': 2048,
  'claude-3-5-haiku': 2048,
  'claude-3-haiku': 2048,
};

const on = (description: string) => Type.Boolean({ default: true, description });

/** Options of the prompt-cache plugin (`plugins.prompt-cache`). */
export const optionsSchema = Type.Object(
  {
    anthropic: on('Place `cache_control` breakpoints on requests to `anthropic` instances.'),
    breakpoints: Type.Object(
      {
        tools: on('On the last tool definition.'),
        system: on('On the last block of the system prompt.'),
        conversation: on('On the conversation prefix: the final message, and the final message of the previous turn.'),
      },
      { additionalProperties: false, default: {}, description: 'Where breakpoints may go.' },
    ),
    ttl: stringEnum<CacheTtl>(['5m', '1h'], {
      default: '5m',
      description:
        '`5m` sends `{type: "ephemeral"}` (Anthropic\'s default); `1h` sends `ttl: "1h"` on every breakpoint (writes cost 2x input instead of 1.25x).',
    }),
    minTokens: mapOf(Type.Integer({ minimum: 1 }), {
      default: {},
      description:
        'Minimum cacheable prefix in tokens, by model-name prefix (longest match wins), merged over the built-in table.',
    }),
    defaultMinTokens: Type.Integer({
      minimum: 1,
      default: 1024,
      description: 'Minimum of models no `minTokens` prefix matches.',
    }),
    promptCacheKey: on(
      "Set OpenAI's `prompt_cache_key` from the load balancer's affinity key on requests to `openai` instances.",
    ),
    promptCacheKeyInstances: Type.Array(Type.String(), {
      default: [],
      description:
        'Instances that get `prompt_cache_key` (empty: every `openai` instance); for OpenAI-compatible servers that refuse unknown fields.',
    }),
    header: on(
      "`x-switchyard-prompt-cache: read=N write=M` on non-streaming responses (a stream's usage arrives after its headers).",
    ),
    memoEntries: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Token counts kept in the memo (by content hash).',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type PromptCacheOptions = Static<typeof optionsSchema>;

/** The minimum of `model`: the longest matching prefix, else the default. */
export function minTokensFor(model: string, table: Readonly<Record<string, number>>, fallback: number): number {
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? fallback : table[best]!;
}
