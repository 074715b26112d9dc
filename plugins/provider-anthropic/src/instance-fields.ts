import type { Static } from '@sinclair/typebox';
import { mapOf, stringEnum, Type } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';
import type { JsonMode } from '@switchyard/wire-anthropic';

/** The version sent upstream unless an instance sets `anthropicVersion`. */
export const DEFAULT_VERSION = '2023-06-01';

/** Fields a `type: anthropic` provider entry may add to the common ones. */
export const instanceFields = Type.Object(
  {
    anthropicVersion: Type.String({
      default: DEFAULT_VERSION,
      description:
        'Sent as `anthropic-version`; `2026-10-21` and later drop `temperature`, `top_p` and `top_k` (that API version refuses them).',
    }),
    defaultMaxTokens: Type.Integer({
      minimum: 1,
      default: 4096,
      description: '`max_tokens` when the caller sets none and `modelMaxTokens` has no entry.',
    }),
    modelMaxTokens: mapOf(Type.Integer({ minimum: 1 }), {
      default: {},
      description: 'Per-model `max_tokens` defaults, by upstream model name.',
    }),
    jsonMode: stringEnum<JsonMode>(['tool', 'native'], {
      default: 'tool',
      description:
        'How `response_format` is carried: `tool` forces a tool whose input schema is the requested schema; `native` sends `json_schema` as `output_config.format`.',
    }),
    thinkingModels: Type.Array(Type.String(), {
      default: ['claude-3-7-', 'claude-sonnet-4', 'claude-opus-4', 'claude-haiku-4'],
      description:
        'Model-name prefixes with extended thinking; `reasoning_effort` is dropped with a warning for others.',
    }),
    thinkingBudgets: mapOf(Type.Integer({ minimum: 1024 }), {
      default: { minimal: 1024, low: 2048, medium: 8192, high: 24576 },
      description: '`reasoning_effort` → `thinking.budget_tokens`.',
    }),
    acceptedBetas: Type.Array(Type.String({ minLength: 1 }), {
      default: ['*'],
      description:
        "The callers' `anthropic-beta` values this upstream takes (`*` matches any run of characters); others are dropped with a warning, with the request fields that exist only under them.",
    }),
    refusedBetas: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "`anthropic-beta` values this upstream refuses (globs), over `acceptedBetas`: e.g. an Anthropic-compatible server that does not know Claude Code's experimental betas.",
    }),
    messagesPath: Type.String({
      default: '/v1/messages',
      description: 'Appended to `baseUrl` for messages (and `/count_tokens` after it for token counting).',
    }),
    modelsPath: Type.String({
      default: '/v1/models',
      description: 'Appended to `baseUrl` for model listing (health probes).',
    }),
  },
  { additionalProperties: false },
);

/** An instance's own fields, defaults filled. */
export type AnthropicInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const optionsOf = instanceOptions(instanceFields);
