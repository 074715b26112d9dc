import { Type } from '@sinclair/typebox';
import { definePlugin, requestValidator } from '@switchyard/core';
import type { InboundProtocol, Plugin } from '@switchyard/core';
import { anthropicToCanonical } from '@switchyard/wire-anthropic';
import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';
import { anthropicCodec } from './codec.js';
import { countTokensRoute } from './count-tokens.js';
import { messagesRequestSchema } from './schema.js';
import { checkAnthropicVersion } from './version.js';

export const PLUGIN = 'protocol-anthropic';
export { anthropicCodec } from './codec.js';
export { estimateInputTokens } from './count.js';
export { ANTHROPIC_VERSIONS, checkAnthropicVersion } from './version.js';
export { countTokensRequestSchema, messagesRequestSchema } from './schema.js';

const validateMessages = requestValidator(messagesRequestSchema);

/** Anthropic Messages for callers: `POST /v1/messages`, converted to canonical form for upstreams of other protocols. */
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
  ],
};

/**
 * The Anthropic Messages API for callers (Claude Code, the Anthropic SDKs, the AI SDK's
 * Anthropic provider): `POST /v1/messages`, streaming or not, passed through untouched to
 * Anthropic upstreams and converted for others; `POST /v1/messages/count_tokens`.
 */
export function protocolAnthropic(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    protocols: [anthropicProtocol],
    apply(gateway) {
      gateway.routes.add(countTokensRoute(gateway, PLUGIN));
    },
  });
}

export default protocolAnthropic;
