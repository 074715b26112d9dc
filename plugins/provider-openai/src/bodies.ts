import { targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway } from '@switchyard/core';
import { withoutSealedReasoning } from '@switchyard/wire-openai-responses';

/**
 * A Responses caller's body for an upstream serving the Responses API: as sent, with the target's
 * model, `max_output_tokens` fitted to it, and reasoning items another provider made (which OpenAI
 * cannot read) left out.
 */
export function responsesBody(
  source: Record<string, unknown>,
  x: Exchange,
  gateway: Pick<Gateway, 'config' | 'contract'>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...source, model: x.target!.model };
  if (typeof body.max_output_tokens === 'number')
    body.max_output_tokens = targetOutputTokens(gateway, x, body.max_output_tokens, 'max_output_tokens');
  return withoutSealedReasoning(body, (m) => x.warn(m), 'OpenAI');
}
