/**
 * Canonical answers → Anthropic Messages shapes (messages, stop reasons, usage), for Anthropic
 * callers served by non-Anthropic upstreams. No Koa, no tapable.
 */
import type { AnthropicContentBlock, AnthropicMessage, AnthropicStopReason, AnthropicUsage } from './types.js';
import type { ChatCompletion, FinishReason, ReasoningBlock, Usage } from '@switchyard/core/protocol';
import { isAnthropicReasoning, thinkingBlockOf } from './reasoning.js';
import { citationsOf, webSearchCallsOf } from '@switchyard/wire-chat';
import { citedTextBlocks, searchUseId, webSearchBlocks } from './web-search.js';

/** OpenAI finish_reason → Anthropic stop_reason. */
export function stopReasonOf(finish: FinishReason | null | undefined): AnthropicStopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Canonical usage → Anthropic usage (Anthropic's input_tokens exclude cache reads). */
export function anthropicUsageOf(usage: Usage | null | undefined): AnthropicUsage {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const out: AnthropicUsage = {
    input_tokens: Math.max(0, usage.prompt_tokens - cached - written),
    output_tokens: usage.completion_tokens,
  };
  if (written) out.cache_creation_input_tokens = written;
  if (cached) out.cache_read_input_tokens = cached;
  const hour = usage.prompt_tokens_details?.cache_write_1h_tokens ?? 0;
  if (hour)
    out.cache_creation = { ephemeral_5m_input_tokens: Math.max(0, written - hour), ephemeral_1h_input_tokens: hour };
  const searches = webSearchesOf(usage);
  if (searches) out.server_tool_use = { web_search_requests: searches };
  return out;
}

/** Web searches a server tool ran (`server_tool_use.web_search_requests` in canonical usage too), billed per search. */
function webSearchesOf(usage: Usage | Partial<AnthropicUsage>): number {
  const n = usage.server_tool_use?.web_search_requests;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** A token count an upstream reported: a finite number not below 0, else 0. */
function tokens(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

type Counts = { input: number; read: number; written: number; hour: number; output: number };

const noCounts = (): Counts => ({ input: 0, read: 0, written: 0, hour: 0, output: 0 });

/** Adds an iteration's counts to `sum`. */
function add(sum: Counts, it: Partial<AnthropicUsage>): void {
  const written = tokens(it.cache_creation_input_tokens);
  sum.input += tokens(it.input_tokens);
  sum.read += tokens(it.cache_read_input_tokens);
  sum.written += written;
  sum.hour += Math.min(written, tokens(it.cache_creation?.ephemeral_1h_input_tokens));
  sum.output += tokens(it.output_tokens);
}

/**
 * What the upstream ran beside the answer's own sampling, which the top-level counts leave out:
 * `usage.iterations` entries other than `message` (a `compaction` of the context, an
 * `advisor_message` of the advisor tool). The top-level counts are the `message` iterations' only;
 * the others are billed all the same, those naming a `model` (the advisor's) at that model's price.
 */
function beyondTopLevel(usage: Partial<AnthropicUsage>): { sum: Counts; byModel?: Map<string, Counts> } {
  const sum = noCounts();
  if (!Array.isArray(usage.iterations)) return { sum };
  let byModel: Map<string, Counts> | undefined;
  for (const it of usage.iterations as Array<(Partial<AnthropicUsage> & { model?: unknown }) | null>) {
    if (!it || typeof it !== 'object' || it.type === 'message') continue;
    add(sum, it);
    if (typeof it.model !== 'string' || !it.model) continue;
    byModel ??= new Map();
    const counts = byModel.get(it.model) ?? noCounts();
    add(counts, it);
    byModel.set(it.model, counts);
  }
  return byModel ? { sum, byModel } : { sum };
}

/** Counts → canonical usage (prompt_tokens include cache reads and writes). */
function usageOf(c: Counts): Usage {
  const prompt = c.input + c.read + c.written;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: c.output, total_tokens: prompt + c.output };
  if (c.read || c.written)
    out.prompt_tokens_details = {
      cached_tokens: c.read,
      ...(c.written ? { cache_write_tokens: c.written } : {}),
      ...(c.hour ? { cache_write_1h_tokens: Math.min(c.written, c.hour) } : {}),
    };
  return out;
}

/**
 * Anthropic usage → canonical usage (prompt_tokens include cache reads and writes, and what the
 * iterations beyond the top-level counts read and wrote: beyondTopLevel; those of another model,
 * the advisor's, listed again by model in `other_models`).
 */
export function canonicalUsageOf(usage: Partial<AnthropicUsage> | undefined): Usage | undefined {
  if (!usage) return undefined;
  const { sum: more, byModel } = beyondTopLevel(usage);
  const out = usageOf({
    input: tokens(usage.input_tokens) + more.input,
    read: tokens(usage.cache_read_input_tokens) + more.read,
    written: tokens(usage.cache_creation_input_tokens) + more.written,
    // Writes to the one-hour cache are priced apart; cache_creation splits cache_creation_input_tokens by lifetime.
    hour: tokens(usage.cache_creation?.ephemeral_1h_input_tokens) + more.hour,
    output: tokens(usage.output_tokens) + more.output,
  });
  // Thinking is part of output_tokens; the split comes in output_tokens_details (streams' message_delta).
  const thinking = usage.output_tokens_details?.thinking_tokens;
  if (typeof thinking === 'number' && thinking > 0) out.completion_tokens_details = { reasoning_tokens: thinking };
  const searches = webSearchesOf(usage);
  if (searches) out.server_tool_use = { web_search_requests: searches };
  if (byModel) out.other_models = [...byModel].map(([model, counts]) => ({ ...usageOf(counts), model }));
  return out;
}

/** An Anthropic message id for a canonical completion id. */
export function messageId(id: string | undefined): string {
  if (!id) return `msg_${Date.now().toString(36)}`;
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Canonical completion → Anthropic message. */
export function canonicalToAnthropicMessage(completion: ChatCompletion, model: string): AnthropicMessage {
  const choice = completion.choices[0];
  const content: AnthropicContentBlock[] = [];
  const message = choice?.message;
  content.push(...thinkingBlocks(message?.reasoning_blocks, message?.reasoning_content));
  const id = messageId(completion.id);
  webSearchCallsOf(message).forEach((call, n) =>
    content.push(...(webSearchBlocks(call, searchUseId(id, n)) as never[])),
  );
  if (typeof message?.content === 'string' && message.content)
    content.push(...(citedTextBlocks(message.content, citationsOf(message)) as never[]));
  else if (message?.refusal) content.push({ type: 'text', text: message.refusal });
  for (const call of message?.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments),
    });
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: completion.model || model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage),
  };
}

/**
 * The thinking blocks of an answer: the ones Anthropic signed as they came (so the caller can
 * send them back), else the reasoning text in one unsigned block.
 */
export function thinkingBlocks(
  blocks: ReasoningBlock[] | undefined,
  text: string | undefined,
): AnthropicContentBlock[] {
  const signed = (blocks ?? []).filter(isAnthropicReasoning);
  if (signed.length) return signed.map(thinkingBlockOf);
  return text ? [{ type: 'thinking', thinking: text, signature: '' }] : [];
}

/** Tool-call arguments (a JSON string) → a tool_use input object; unparseable text is kept under `_raw`. */
export function parseArguments(text: string | undefined): unknown {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : { _value: value };
  } catch {
    return { _raw: text };
  }
}
