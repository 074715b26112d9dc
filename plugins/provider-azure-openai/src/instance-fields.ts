import type { Static } from '@sinclair/typebox';
import { mapOf, Type } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const ENTRA = ['tenantId', 'clientId', 'clientSecret'] as const;

/**
 * Fields a `type: azure-openai` provider entry may add to the common ones. The three Entra ID
 * fields go together; that an instance has apiKey or them is checked when the plugin applies
 * (`apiKey` is a common field, out of this schema's sight).
 */
export const instanceFields = Type.Object(
  {
    deployments: mapOf(Type.String({ minLength: 1 }), {
      default: {},
      description:
        'Model name → deployment name. Without `models`, its keys are the models the instance serves (routed to by name, listed in `/v1/models`); a model without an entry goes to a deployment of its own name.',
    }),
    apiVersion: Type.String({
      default: '2024-10-21',
      description:
        '`api-version` query parameter; `v1` uses the v1 API (`/openai/v1/...`, the deployment in `model`, no api-version).',
    }),
    allowDataSources: Type.Boolean({
      default: false,
      description:
        "Let a caller's `data_sources` (Azure OpenAI On Your Data) through. By default such a request is refused (400): Azure would query the search service, database or endpoint the caller names — with the resource's managed identity if asked, so any index it may read, another tenant's too — and bill what it retrieved as prompt tokens. When let through, the request is reserved (budgets) and counted (rate limits) up to the model's context window.",
    }),
    tenantId: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Microsoft Entra ID tenant: with `clientId` and `clientSecret` (all three), a bearer token replaces the api-key.',
      }),
    ),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'Entra ID application (client) id.' })),
    clientSecret: Type.Optional(
      Type.String({ minLength: 1, description: 'Entra ID client secret (masked wherever config is shown).' }),
    ),
    authorityHost: Type.String({
      pattern: '^https?://',
      default: DEFAULT_AUTHORITY_HOST,
      description:
        'Entra ID authority host (sovereign clouds: `https://login.microsoftonline.us`, `https://login.chinacloudapi.cn`); plain `http://` only on loopback (local test servers).',
    }),
    tokenRefreshMs: Type.Integer({
      minimum: 0,
      default: 300_000,
      description: 'Fetch a new Entra ID token this long before the current one expires.',
    }),
  },
  {
    additionalProperties: false,
    dependencies: Object.fromEntries(ENTRA.map((field) => [field, ENTRA.filter((other) => other !== field)])),
  },
);

/** An instance's own fields, defaults filled. */
export type AzureInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const optionsOf = instanceOptions(instanceFields);

/** The instance's Entra ID app registration, when it has one. */
export function entraOf(
  options: AzureInstanceOptions,
): { tenantId: string; clientId: string; clientSecret: string } | undefined {
  const { tenantId, clientId, clientSecret } = options;
  return tenantId && clientId && clientSecret ? { tenantId, clientId, clientSecret } : undefined;
}
