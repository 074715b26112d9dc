import { Reply } from '@switchyard/core';
import { requestValidator } from '@switchyard/core/protocol';
import type { Exchange, Gateway, Target } from '@switchyard/core';
import type { InboundRoute } from '@switchyard/core/protocol';
import type { AnthropicMessagesRequest } from '@switchyard/wire-anthropic';
import { KEY_ACCESS } from '@switchyard/plugin-auth/contract';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { estimateInputTokens } from './count.js';
import { countTokensRequestSchema } from './schema.js';
import { checkAnthropicVersion } from './version.js';

/** The operation of `POST /v1/messages/count_tokens`; provider types that count natively list it in their `operations`. */
export const COUNT_TOKENS = 'count_tokens';

/** Said in `x-switchyard-warnings` when the gateway answers count_tokens itself. */
export const ESTIMATE_WARNING =
  'input_tokens estimated by the gateway (characters / 4): the target cannot count tokens itself';

const validate = requestValidator(countTokensRequestSchema);

/**
 * `POST /v1/messages/count_tokens`, routed like a message: to an upstream that counts natively
 * (a provider type serving `count_tokens`, e.g. the Anthropic API), whose answer passes through.
 */
export const countTokensRoute: InboundRoute = {
  path: '/v1/messages/count_tokens',
  operation: COUNT_TOKENS,
  decode(body, headers) {
    checkAnthropicVersion(headers);
    validate(body);
    return {};
  },
};

/** Whether a target's provider type counts tokens natively. */
export function countsNatively(gateway: Pick<Gateway, 'providers'>, target: Target): boolean {
  return gateway.providers.get(target.instance.type)?.operations?.includes(COUNT_TOKENS) === true;
}

/**
 * beforeRoute for count_tokens: when the model's preferred target (its first candidate the
 * caller's key may use) cannot count natively, the gateway's estimate, flagged in
 * `x-switchyard-warnings`; otherwise the request goes on to be routed among the targets that
 * can. An unknown model, or one the key may use no target of, goes on too, to routing's refusal.
 */
export function estimateUnlessNative(gateway: Pick<Gateway, 'providers' | 'contract'>, x: Exchange): Reply | undefined {
  if (x.operation !== COUNT_TOKENS) return undefined;
  // Only targets the caller's key may use: one it may not is refused by routing, not estimated.
  const allows = gateway.contract(KEY_ACCESS)?.(x.headers, x.url);
  const targets = gateway.contract(MODEL_ROUTES)?.resolver.resolve(x.model) ?? [];
  const preferred = allows ? targets.find((t) => allows(x.model, t)) : targets[0];
  if (!preferred || countsNatively(gateway, preferred)) return undefined;
  const tokens = estimateInputTokens(x.body as unknown as AnthropicMessagesRequest);
  return Reply.json({ input_tokens: tokens }, 200, { 'x-switchyard-warnings': ESTIMATE_WARNING });
}
