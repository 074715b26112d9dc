import { requestValidator, SwitchyardError } from '@switchyard/core';
import type { Gateway, PluginRoute } from '@switchyard/core';
import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';
import { estimateInputTokens } from './count.js';
import { countTokensRequestSchema } from './schema.js';
import { checkAnthropicVersion } from './version.js';

/**
 * `POST /v1/messages/count_tokens`: answered by the gateway with an estimate (see
 * estimateInputTokens), for a model the gateway serves; no upstream is called.
 */
export function countTokensRoute(gateway: Gateway, plugin: string): PluginRoute {
  const validate = requestValidator(countTokensRequestSchema);
  return {
    method: 'POST',
    path: '/v1/messages/count_tokens',
    plugin,
    handle(req) {
      checkAnthropicVersion(req.headers);
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'request body must be a JSON object', { publicCode: 'invalid_request' });
      validate(body);
      const model = body.model as string;
      if (gateway.resolver.resolve(model).length === 0) {
        throw new SwitchyardError('SWITCHYARD_ERR_MODEL_NOT_FOUND', `model: ${model}`, { param: 'model', publicCode: 'model_not_found' });
      }
      return { body: { input_tokens: estimateInputTokens(body as unknown as AnthropicMessagesRequest) }, headers: { 'x-switchyard-warnings': 'input_tokens estimated by the gateway (characters / 4)' } };
    },
  };
}
