import { MODEL_INFO, targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway } from '@switchyard/core';
import { fitResponsesFields, withoutSealedReasoning } from '@switchyard/wire-openai-responses';

/**
 * A Responses caller's body for an upstream serving the Responses API: as sent, with the target's
 * model, `max_output_tokens` and the reasoning and sampling fields fitted to it (fitResponsesFields),
 * and reasoning items another provider made (which OpenAI cannot read) left out.
 */
export function responsesBody(
  source: Record<string, unknown>,
  x: Exchange,
  gateway: Pick<Gateway, 'config' | 'contract'>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...source, model: x.target!.model };
  if (typeof body.max_output_tokens === 'number')
    body.max_output_tokens = targetOutputTokens(gateway, x, body.max_output_tokens, 'max_output_tokens');
  const target = x.target!;
  fitResponsesFields(body, target.model, gateway.contract(MODEL_INFO)?.forTarget(target)?.reasoning, (m) => x.warn(m));
  return withoutSealedReasoning(body, (m) => x.warn(m), 'OpenAI');
}
