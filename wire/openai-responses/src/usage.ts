import type { Usage } from '@switchyard/core/protocol';
import type { ResponsesUsage } from './types.js';

/** Canonical usage → Responses usage (input tokens include cache reads, output tokens include reasoning). */
export function responsesUsageOf(usage: Usage | null | undefined): ResponsesUsage {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + output,
  };
}

/** Responses usage → canonical usage; undefined when there is none. */
export function canonicalUsageOf(usage: Partial<ResponsesUsage> | null | undefined): Usage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const prompt = num(usage.input_tokens);
  const completion = num(usage.output_tokens);
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(usage.total_tokens) || prompt + completion,
  };
  const cached = num(usage.input_tokens_details?.cached_tokens);
  const reasoning = num(usage.output_tokens_details?.reasoning_tokens);
  if (cached) out.prompt_tokens_details = { cached_tokens: cached };
  if (reasoning) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
