import { definePlugin, RouteStage, SwitchyardError, Type } from '@switchyard/core';
import { requestValidator } from '@switchyard/core/protocol';
import type { Gateway, Plugin, Exchange, Target } from '@switchyard/core';
import type { InboundProtocol } from '@switchyard/core/protocol';
import type { RoutePlan } from '@switchyard/core/routing';
import { anthropicToCanonical } from '@switchyard/wire-anthropic';
import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';
import { anthropicOnlyFeatures, requiresAnthropicOnly } from './anthropic-only.js';
import { anthropicCodec } from './codec.js';
import { guardContainers } from './containers.js';
import { countTokensRoute, estimateUnlessNative } from './count-tokens.js';
import { messagesRequestSchema } from './schema.js';
import { checkAnthropicVersion } from './version.js';

export const PLUGIN = 'protocol-anthropic';
export { anthropicCodec } from './codec.js';
export { estimateInputTokens } from './count.js';
export {
  COUNT_TOKENS,
  ESTIMATE_WARNING,
  countTokensRoute,
  countsNatively,
  estimateUnlessNative,
} from './count-tokens.js';
export { anthropicOnlyFeatures, requiresAnthropicOnly } from './anthropic-only.js';
export { ANTHROPIC_VERSIONS, checkAnthropicVersion } from './version.js';
export { countTokensRequestSchema, messagesRequestSchema } from './schema.js';

/** beforeRoute stage of the count_tokens estimate: after authentication, limits and request checks. */
const ESTIMATE_STAGE = 100;

const validateMessages = requestValidator(messagesRequestSchema);

/** Anthropic Messages for callers: `POST /v1/messages`, converted to canonical form for upstreams of other protocols; count_tokens. */
export const anthropicProtocol: InboundProtocol = {
  ...anthropicCodec,
  paths: ['/v1/messages'],
  routes: [
    {
      path: '/v1/messages',
      operation: 'chat',
      decode(body, headers) {
        checkAnthropicVersion(headers);
        validateMessages(body);
        return anthropicToCanonical(body as unknown as AnthropicMessagesRequest);
      },
    },
    countTokensRoute,
  ],
};

/** The wire protocol a target speaks to an Anthropic caller. */
function speaksAnthropic(gateway: Gateway, target: Target): boolean {
  const adapter = gateway.providers.get(target.instance.type);
  return (adapter?.protocolFor?.(target, anthropicProtocol.name) ?? adapter?.protocol) === anthropicProtocol.name;
}

/**
 * FILTER: a request using what only Anthropic upstreams serve (server tools, `mcp_servers`) keeps
 * only the targets speaking Anthropic Messages when it has some. Without one, it goes on: the
 * conversion leaves those out, each named in a warning (as hosted tools of the Responses API are
 * for upstreams other than OpenAI), unless the request's tool_choice requires them: a 400.
 */
function keepAnthropicOnly(gateway: Gateway, plan: RoutePlan, x: Exchange): RoutePlan {
  if (x.protocol !== anthropicProtocol.name || x.operation !== 'chat' || plan.size === 0) return plan;
  const body = x.body as Partial<AnthropicMessagesRequest>;
  const features = anthropicOnlyFeatures(body);
  if (!features.length) return plan;
  const needs = features.join(', ');
  if (plan.targets.some((t) => speaksAnthropic(gateway, t)))
    return plan.exclude(PLUGIN, (t) => !speaksAnthropic(gateway, t), {
      reason: `${needs} run only on Anthropic upstreams`,
      byRequest: true,
    });
  const required = requiresAnthropicOnly(body);
  if (required)
    throw new SwitchyardError(
      'SWITCHYARD_ERR_CAPABILITY',
      `${required}: ${needs} run only on Anthropic upstreams, and no target of \`${x.model}\` is one`,
      { publicCode: 'capability_unmet', param: 'tool_choice' },
    );
  return plan;
}

/**
 * The Anthropic Messages API for callers (Claude Code, the Anthropic SDKs, the AI SDK's
 * Anthropic provider): `POST /v1/messages`, streaming or not, passed through untouched to
 * Anthropic upstreams and converted for others; `POST /v1/messages/count_tokens`, counted by the
 * upstream when the model's target can, else estimated by the gateway.
 */
export function protocolAnthropic(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    protocols: [anthropicProtocol],
    apply(gateway) {
      gateway.hooks.beforeRoute.tap({ name: PLUGIN, stage: ESTIMATE_STAGE }, (x) => estimateUnlessNative(gateway, x));
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) =>
        keepAnthropicOnly(gateway, plan, x),
      );
      guardContainers(gateway, anthropicProtocol.name);
    },
  });
}

export default protocolAnthropic;
