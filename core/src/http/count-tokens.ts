import type { Context } from 'koa';
import { SwitchyardError } from '../errors.js';
import type { Gateway } from '../gateway.js';
import type { Logger } from '../logger.js';
import { anthropicCodec } from '../protocols/anthropic.js';
import { checkAnthropicVersion } from '../protocols/anthropic-version.js';
import { estimateInputTokens } from '../protocols/anthropic-count.js';
import type { AnthropicMessagesRequest } from '../protocols/anthropic-types.js';
import { readJsonBody, requestValidator } from './body.js';
import { countTokensRequestSchema } from './request-schemas.js';
import { sendError } from './respond.js';

/**
 * `POST /v1/messages/count_tokens`: answered by the gateway with an estimate (see
 * estimateInputTokens), for a model the gateway serves; no upstream is called. It runs no
 * hooks, so callers are checked like GET /v1/models, through `security.authorizeCaller`.
 */
export function countTokensRoute(gateway: Gateway, bodyLimit: string, logger: Logger): (ctx: Context) => Promise<void> {
  const validate = requestValidator(countTokensRequestSchema);
  return async (ctx) => {
    try {
      const denied = gateway.security.authorizeCaller?.(ctx.req.headers, ctx.url);
      if (denied) throw denied;
      checkAnthropicVersion(ctx.req.headers);
      const body = await readJsonBody(ctx.req, bodyLimit);
      validate(body);
      const model = body.model as string;
      if (gateway.resolver.resolve(model).length === 0) {
        throw new SwitchyardError('SWITCHYARD_ERR_MODEL_NOT_FOUND', `model: ${model}`, { param: 'model', publicCode: 'model_not_found' });
      }
      ctx.set('x-switchyard-warnings', 'input_tokens estimated by the gateway (characters / 4)');
      ctx.body = { input_tokens: estimateInputTokens(body as unknown as AnthropicMessagesRequest) };
    } catch (err) {
      sendError(ctx, anthropicCodec, err, logger);
    }
  };
}
