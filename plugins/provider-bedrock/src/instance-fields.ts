import type { Static } from '@sinclair/typebox';
import { Type } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';

/** The anthropic_version InvokeModel wants in a Claude body. */
export const DEFAULT_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * Fields a `type: bedrock` provider entry may add to the common ones. Static keys go in pairs (a
 * session token only with them); whether a signing region is known (here or in `baseUrl`) is
 * checked when the plugin applies, since `baseUrl` and `apiKey` are common fields.
 */
export const instanceFields = Type.Object(
  {
    region: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'AWS region (the signing scope); default: the one in a `bedrock-runtime.<region>.amazonaws.com` baseUrl. Required for any other baseUrl, unless `apiKey` is set.',
      }),
    ),
    accessKeyId: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'AWS access key id; with `secretAccessKey`, used instead of the environment and shared profiles.',
      }),
    ),
    secretAccessKey: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'AWS secret access key (with `accessKeyId`; masked wherever config is shown).',
      }),
    ),
    sessionToken: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'AWS session token of temporary static keys (masked wherever config is shown).',
      }),
    ),
    profile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Shared config/credentials profile, used before the environment; default: the environment, then `AWS_PROFILE` (or `default`) from `~/.aws`.',
      }),
    ),
    anthropicVersion: Type.String({
      default: DEFAULT_ANTHROPIC_VERSION,
      description: '`anthropic_version` of InvokeModel bodies for Claude (Anthropic callers).',
    }),
  },
  {
    additionalProperties: false,
    dependencies: {
      accessKeyId: ['secretAccessKey'],
      secretAccessKey: ['accessKeyId'],
      sessionToken: ['accessKeyId', 'secretAccessKey'],
    },
  },
);

/** An instance's own fields, defaults filled. */
export type BedrockInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const optionsOf = instanceOptions(instanceFields);
