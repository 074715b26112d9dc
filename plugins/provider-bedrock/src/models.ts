import { claudeLongContext, claudePrice, listPrice as price } from '@switchyard/plugin-models/contract';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

const CLAUDE = { contextWindow: 200_000, vision: true, tools: true, structuredOutput: true } as const;
/** Claude Sonnet 4 and 4.5 with the 1M-token context window: the whole request past 200K prompt tokens, as on Anthropic's API. */
const SONNET_4_LONG_CONTEXT = claudeLongContext(6, 22.5);
/** Geographic cross-region inference profiles. */
const GEO = ['us.', 'eu.', 'apac.', 'jp.', 'au.'];

/**
 * Claude on Bedrock: Anthropic's list prices (on-demand, standard tier), as on the `global.`
 * inference profile. From Claude 4.5 on (`fromClaude45`), regional endpoints — the in-region id
 * and the geographic profiles (`us.`, `eu.`, …) — cost 10% more; older models cost the same
 * everywhere.
 */
const CLAUDE_MODELS: Array<[id: string, info: ModelInfo, fromClaude45: boolean]> = [
  [
    'anthropic.claude-opus-4-5-20251101-v1:0',
    { ...CLAUDE, maxOutputTokens: 64_000, pricing: claudePrice(5, 25, 0.5, 6.25) },
    true,
  ],
  [
    'anthropic.claude-sonnet-4-5-20250929-v1:0',
    {
      ...CLAUDE,
      maxOutputTokens: 64_000,
      pricing: { ...claudePrice(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
    },
    true,
  ],
  [
    'anthropic.claude-haiku-4-5-20251001-v1:0',
    { ...CLAUDE, maxOutputTokens: 64_000, pricing: claudePrice(1, 5, 0.1, 1.25) },
    true,
  ],
  [
    'anthropic.claude-opus-4-1-20250805-v1:0',
    { ...CLAUDE, maxOutputTokens: 32_000, pricing: claudePrice(15, 75, 1.5, 18.75) },
    false,
  ],
  [
    'anthropic.claude-opus-4-20250514-v1:0',
    { ...CLAUDE, maxOutputTokens: 32_000, pricing: claudePrice(15, 75, 1.5, 18.75) },
    false,
  ],
  [
    'anthropic.claude-sonnet-4-20250514-v1:0',
    {
      ...CLAUDE,
      maxOutputTokens: 64_000,
      pricing: { ...claudePrice(3, 15, 0.3, 3.75), longContext: SONNET_4_LONG_CONTEXT },
    },
    false,
  ],
  [
    'anthropic.claude-3-7-sonnet-20250219-v1:0',
    { ...CLAUDE, maxOutputTokens: 64_000, pricing: claudePrice(3, 15, 0.3, 3.75) },
    false,
  ],
  [
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    { ...CLAUDE, maxOutputTokens: 8192, pricing: claudePrice(3, 15) },
    false,
  ],
  [
    'anthropic.claude-3-5-haiku-20241022-v1:0',
    { ...CLAUDE, maxOutputTokens: 8192, pricing: claudePrice(0.8, 4, 0.08, 1) },
    false,
  ],
  [
    'anthropic.claude-3-haiku-20240307-v1:0',
    { ...CLAUDE, structuredOutput: false, maxOutputTokens: 4096, pricing: claudePrice(0.25, 1.25) },
    false,
  ],
];

/** Claude models with a `global.` inference profile. */
const GLOBAL_PROFILES = new Set([
  ...CLAUDE_MODELS.filter(([, , fromClaude45]) => fromClaude45).map(([id]) => id),
  'anthropic.claude-sonnet-4-20250514-v1:0',
]);

/** Amazon Nova (on-demand, us-east-1). JSON output goes through a forced tool, as for every Converse model. */
const NOVA_MODELS: Array<[string, ModelInfo]> = [
  [
    'amazon.nova-premier-v1:0',
    { contextWindow: 1_000_000, vision: true, tools: true, structuredOutput: true, pricing: price(2.5, 12.5) },
  ],
  [
    'amazon.nova-pro-v1:0',
    { contextWindow: 300_000, vision: true, tools: true, structuredOutput: true, pricing: price(0.8, 3.2) },
  ],
  [
    'amazon.nova-lite-v1:0',
    { contextWindow: 300_000, vision: true, tools: true, structuredOutput: true, pricing: price(0.06, 0.24) },
  ],
  [
    'amazon.nova-micro-v1:0',
    { contextWindow: 128_000, vision: false, tools: true, structuredOutput: true, pricing: price(0.035, 0.14) },
  ],
];

/** A regional endpoint's price: 10% over the global one, its long-context price too. */
const premium = (info: ModelInfo): ModelInfo => {
  const p = info.pricing!;
  const up = (n: number | undefined): number | undefined =>
    n === undefined ? undefined : Math.round(n * 1.1 * 10_000) / 10_000;
  const pricing = claudePrice(up(p.input)!, up(p.output)!, up(p.cachedRead), up(p.cacheWrite));
  const long = p.longContext;
  if (long) {
    const { above, input, output, cachedRead, cacheWrite, cacheWrite1h } = long;
    pricing.longContext = {
      above,
      input: up(input)!,
      output: up(output)!,
      ...(cachedRead === undefined ? {} : { cachedRead: up(cachedRead)! }),
      ...(cacheWrite === undefined ? {} : { cacheWrite: up(cacheWrite)! }),
      ...(cacheWrite1h === undefined ? {} : { cacheWrite1h: up(cacheWrite1h)! }),
    };
  }
  return { ...info, pricing };
};

/**
 * Bedrock model ids as published, with list prices (USD per 1M tokens, from the AWS and Anthropic
 * price pages, last checked 2025-11: confirm against your contract, and override in config
 * `catalog:`), contributed to the gateway's model table: the in-region ids and their geographic
 * (and, where there is one, `global.`) inference profiles. Apart from the Claude 4.5 premium,
 * cross-region profiles cost what their in-region ids cost.
 */
export const BEDROCK_MODELS: Readonly<Record<string, ModelInfo>> = Object.fromEntries([
  ...CLAUDE_MODELS.flatMap(([id, info, fromClaude45]) => {
    const regional = fromClaude45 ? premium(info) : info;
    const global = GLOBAL_PROFILES.has(id) ? [[`global.${id}`, info] as const] : [];
    return [...global, [id, regional], ...GEO.map((geo) => [`${geo}${id}`, regional] as const)];
  }),
  ...NOVA_MODELS.flatMap(([id, info]) => [[id, info], ...GEO.map((geo) => [`${geo}${id}`, info] as const)]),
]);
