import type { Static } from '@sinclair/typebox';
import { stringEnum, Type } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';

export const DEFAULT_ANTHROPIC_VERSION = 'vertex-2023-10-16';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Fields a `type: vertex` provider entry may add to the common ones (`apiKey` is not used):
 * `project` and `location` are required; `credentials` and `keyFile` exclude each other, which is
 * checked when the plugin applies (a schema's `not` would only say "must NOT be valid").
 */
export const instanceFields = Type.Object(
  {
    project: Type.String({ minLength: 1, description: 'Google Cloud project id.' }),
    location: Type.String({
      minLength: 1,
      description: 'Vertex AI location: a region (`us-east5`, `europe-west4`, ...) or `global`.',
    }),
    apiVersion: Type.String({
      default: 'v1',
      description: 'Vertex AI API version path segment (`v1`, or `v1beta1` for preview features).',
    }),
    credentials: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({
        type: 'object',
        description:
          'A service-account (or authorized-user) JSON key, inline (its `private_key` is masked wherever config is shown); default: `keyFile`, else application-default credentials.',
      }),
    ),
    keyFile: Type.Optional(
      Type.String({ minLength: 1, description: 'Path to a service-account JSON key file (not with `credentials`).' }),
    ),
    scopes: Type.Array(Type.String(), {
      default: [CLOUD_PLATFORM_SCOPE],
      description: 'OAuth scopes of the access token.',
    }),
    tokenRefreshMs: Type.Integer({
      minimum: 0,
      default: 300_000,
      description: 'Fetch a new access token this long before the current one expires.',
    }),
    anthropicVersion: Type.String({
      default: DEFAULT_ANTHROPIC_VERSION,
      description: '`anthropic_version` of rawPredict bodies for Claude models.',
    }),
    defaultMaxTokens: Type.Integer({
      minimum: 1,
      default: 4096,
      description: 'Claude `max_tokens` when an OpenAI caller sets none.',
    }),
    jsonSchema: stringEnum(['convert', 'native'], {
      default: 'convert',
      description:
        'Gemini: JSON Schemas converted to the OpenAPI subset every Gemini model accepts, or sent unchanged (`native`: `parametersJsonSchema` / `responseJsonSchema`, Gemini 2.5 and later).',
    }),
    includeThoughts: Type.Boolean({
      default: false,
      description:
        'Gemini: with `reasoning_effort`, return thought summaries as `reasoning_content`. Callers that show reasoning (a Responses `reasoning.summary`) get them without this.',
    }),
  },
  { additionalProperties: false },
);

/** An instance's own fields, defaults filled. */
export type VertexInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const optionsOf = instanceOptions(instanceFields);
