import { defaultClassifyError } from '@switchyard/core/provider';
import type { PromptTooLong } from '@switchyard/core';
import type { UpstreamErrorInfo } from '@switchyard/core/provider';
import { withTooLong } from '@switchyard/wire-chat';

// "prompt is too long: 210000 tokens > 200000 maximum"
const TOO_LONG = /prompt is too long(?::\s*~?(\d+) tokens? > (\d+) maximum)?/i;

/** What an Anthropic error message says of a prompt too long for the model, with its tokens and maximum when it names them. */
export function anthropicTooLong(message: string): PromptTooLong | undefined {
  const m = TOO_LONG.exec(message);
  if (!m) return undefined;
  return m[1] === undefined ? {} : { tokens: Number(m[1]), maximum: Number(m[2]) };
}

/**
 * Anthropic errors: `{"type":"error","error":{"type","message"}}`; 529 overloaded is a failure
 * (failover); "prompt is too long" is a prompt too long for the model (`tooLong`).
 */
export function classifyAnthropicError(status: number, body: string): UpstreamErrorInfo {
  const info = defaultClassifyError(status, body);
  if (status === 529 || info.type === 'overloaded_error') info.outcome = 'failure';
  return withTooLong(info, anthropicTooLong);
}
