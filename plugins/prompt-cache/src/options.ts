/** Anthropic's 1-hour cache costs more to write (2x input) than the default 5-minute one (1.25x). */
export type CacheTtl = '5m' | '1h';

export interface PromptCacheOptions {
  /** Place cache_control breakpoints on requests to `anthropic` instances. */
  anthropic: boolean;
  /** Where breakpoints may go. */
  breakpoints: { tools: boolean; system: boolean; conversation: boolean };
  ttl: CacheTtl;
  /** Minimum cacheable prefix in tokens, by model-name prefix (longest match wins), over DEFAULT_MIN_TOKENS. */
  minTokens: Record<string, number>;
  /** Minimum for models no `minTokens` prefix matches. */
  defaultMinTokens: number;
  /** Set OpenAI's prompt_cache_key from the load balancer's affinity key on `openai` instances. */
  promptCacheKey: boolean;
  /** Instance names prompt_cache_key is sent to; empty: every `openai` instance. */
  promptCacheKeyInstances: string[];
  /** `x-switchyard-prompt-cache: read=N write=M` on non-streaming responses. */
  header: boolean;
  /** Token counts memoized (by content hash). */
  memoEntries: number;
}

/** Anthropic's published minimums; every other Claude model caches from 1024 tokens. */
export const DEFAULT_MIN_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-6': 4096,
  'claude-opus-4-5': 4096,
  'claude-haiku-4-5': 4096,
  'claude-sonnet-4-6': 2048,
  'claude-3-5-haiku': 2048,
  'claude-3-haiku': 2048,
};

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    anthropic: { type: 'boolean', default: true, description: 'Place cache_control breakpoints on requests to anthropic instances.' },
    breakpoints: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where breakpoints may go: the last tool, the system prompt, the conversation prefix.',
      properties: {
        tools: { type: 'boolean', default: true },
        system: { type: 'boolean', default: true },
        conversation: { type: 'boolean', default: true },
      },
    },
    ttl: { enum: ['5m', '1h'], default: '5m', description: 'cache_control ttl: 5m (Anthropic default) or 1h (writes cost 2x input instead of 1.25x).' },
    minTokens: {
      type: 'object',
      additionalProperties: { type: 'integer', minimum: 1 },
      default: {},
      description: 'Minimum cacheable prefix in tokens, by model-name prefix (longest match wins), over the built-in table.',
    },
    defaultMinTokens: { type: 'integer', minimum: 1, default: 1024, description: 'Minimum for models no minTokens prefix matches.' },
    promptCacheKey: { type: 'boolean', default: true, description: "Set OpenAI's prompt_cache_key from the load balancer's affinity key." },
    promptCacheKeyInstances: { type: 'array', items: { type: 'string' }, default: [], description: 'Instances that receive prompt_cache_key; empty: every openai instance.' },
    header: { type: 'boolean', default: true, description: 'x-switchyard-prompt-cache: read=N write=M on non-streaming responses.' },
    memoEntries: { type: 'integer', minimum: 1, default: 10000, description: 'Token counts memoized by content hash.' },
  },
} as const;

/** The minimum of `model`: the longest matching prefix, else the default. */
export function minTokensFor(model: string, table: Readonly<Record<string, number>>, fallback: number): number {
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? fallback : table[best]!;
}
