import type { Static } from '@sinclair/typebox';
import { Type } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';

const path = (value: string, description: string) => Type.String({ default: value, description });

/** Fields a `type: openai` provider entry may add to the common ones. */
export const instanceFields = Type.Object(
  {
    organization: Type.Optional(Type.String({ description: 'Sent as `OpenAI-Organization`.' })),
    project: Type.Optional(Type.String({ description: 'Sent as `OpenAI-Project`.' })),
    authHeader: Type.String({
      default: 'authorization',
      description:
        'Header carrying the key: `authorization` sends `Bearer <apiKey>`; any other name (e.g. `api-key`) sends the bare key.',
    }),
    responsesApi: Type.Optional(
      Type.Boolean({
        description:
          'Whether the upstream serves the Responses API (`POST {baseUrl}{responsesPath}`): Responses callers then get their body passed through, every field kept but those the target model would refuse. Default: `true` for `api.openai.com`, `false` for any other host (most OpenAI-compatible servers speak Chat Completions only: Responses callers are converted to it).',
      }),
    ),
    chatPath: path('/chat/completions', 'Appended to `baseUrl` for chat requests.'),
    responsesPath: path('/responses', 'Appended to `baseUrl` for Responses API requests.'),
    embeddingsPath: path('/embeddings', 'Appended to `baseUrl` for embeddings.'),
    modelsPath: path('/models', 'Appended to `baseUrl` to list models.'),
    allowRoutingFields: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "Fields of an aggregator's own routing to let through from callers' bodies (e.g. OpenRouter's `provider` preferences). By default the gateway drops `models`, `route`, `provider`, `plugins`, `transforms`, `preset` (OpenRouter), `fallbacks`, `context_window_fallbacks`, `content_policy_fallbacks`, `api_base`, `base_url`, `api_key`, `api_version` and `user_config` (LiteLLM) with a warning: they would let a caller name models outside its key's list, run tools no price covers, or point the aggregator at another host.",
    }),
    allowCachedContent: Type.Boolean({
      default: false,
      description:
        "Let a caller's Gemini cached content through (`extra_body.google.cached_content` of Gemini's and Vertex AI's OpenAI-compatible endpoints, `cached_content` of LiteLLM). By default such a request is refused (400): a cached content belongs to the upstream account every key shares, so a caller could name one another tenant made, and be answered from input no budget or limit saw. `true` only where every caller may read every cache of the account.",
    }),
    streamUsage: Type.Boolean({
      default: true,
      description:
        'Ask for the final usage of streams (`stream_options.include_usage: true`) when the caller did not, so that streamed requests are priced; the usage chunk is then not passed to that caller. `false` for a server that refuses the field.',
    }),
  },
  { additionalProperties: false },
);

/** An instance's own fields, defaults filled. */
export type OpenAIInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const optionsOf = instanceOptions(instanceFields);

/** Whether an instance serves the Responses API: its `responsesApi` field, else true only for OpenAI's own API host. */
export function speaksResponses(instance: ProviderInstance): boolean {
  const configured = optionsOf(instance).responsesApi;
  if (configured !== undefined) return configured;
  try {
    return new URL(instance.baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}
