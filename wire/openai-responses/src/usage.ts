import type { Usage } from '@switchyard/core/protocol';
import { usageCarrier } from '@switchyard/wire-chat';
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

/**
 * Responses usage → canonical usage; undefined when there is none. The response's `output`, when
 * given, adds its `web_search_call` items as `server_tool_use.web_search_requests` (OpenAI bills
 * each call beside the tokens, and its usage does not count them).
 */
export function canonicalUsageOf(
  usage: Partial<ResponsesUsage> | null | undefined,
  output?: unknown,
): Usage | undefined {
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
  const searches = Array.isArray(output)
    ? output.filter((item) => (item as { type?: unknown } | null)?.type === 'web_search_call').length
    : 0;
  if (searches) out.server_tool_use = { web_search_requests: searches };
  return out;
}

/** A web_search_call item's type as raw JSON: in a string's text its quotes would be escaped. */
const SEARCH_CALL = Buffer.from('"web_search_call"');

/**
 * The canonical usage of a passed-through Responses answer: from its usage slice alone, unless it
 * holds web_search_call items, which are counted from the whole parsed answer.
 */
export function canonicalUsageOfBody(bytes: Buffer): Usage | undefined {
  if (bytes.includes(SEARCH_CALL)) {
    try {
      const response = JSON.parse(bytes.toString('utf8')) as { usage?: Partial<ResponsesUsage>; output?: unknown };
      return canonicalUsageOf(response?.usage, response?.output);
    } catch {
      // Not JSON as a whole: read what its usage slice says.
    }
  }
  const carrier = usageCarrier(bytes) as { usage?: Partial<ResponsesUsage> } | undefined;
  return canonicalUsageOf(carrier?.usage);
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
