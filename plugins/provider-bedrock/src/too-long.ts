import type { PromptTooLong } from '@switchyard/core';
import { anthropicTooLong } from '@switchyard/wire-anthropic';

/**
 * What a Bedrock error message says of a prompt too long for the model: Bedrock's own "Input is too
 * long for requested model." names no numbers; Claude's "prompt is too long: N tokens > M maximum",
 * passed on through InvokeModel, does.
 */
export function bedrockTooLong(message: string): PromptTooLong | undefined {
  return anthropicTooLong(message) ?? (/input is too long for requested model/i.test(message) ? {} : undefined);
}
