/**
 * Canonical completion ↔ Responses response object. Pure: no Koa, no tapable, no I/O.
 *
 * toResponseObject builds the answer a Responses caller gets from a converted upstream (ids
 * minted here, reasoning carried in `encrypted_content`); fromResponseObject reads an OpenAI
 * Responses answer back into canonical form (for the response cache and the gateway's store).
 */
import type { ChatCompletion, FinishReason, ReasoningBlock, ToolCall, Usage } from '@switchyard/core/protocol';
import { sealReasoning } from './envelope.js';
import { newId } from './ids.js';
import { customToolInput, reasoningBlock, wantsSummary } from './request.js';
import type {
  Json,
  ResponseObject,
  ResponsesContentPart,
  ResponsesItem,
  ResponsesReasoningItem,
  ResponsesRequest,
  ResponsesUsage,
} from './types.js';
import { canonicalUsageOf, responsesUsageOf } from './usage.js';
import { annotationOf, citationOfAnnotation, searchCallsOfOutput, searchItem } from './web-search.js';
import { ANNOTATIONS, citationsOf, WEB_SEARCH_CALLS, webSearchCallsOf } from '@switchyard/wire-chat';
import type { UrlCitation } from '@switchyard/wire-chat';

/** What a response object needs beside the completion: its id, time, and the request it answers. */
export interface ResponseContext {
  /** The id the caller sees (`resp_…`). */
  readonly id: string;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  /** The caller's request: a response echoes its settings (instructions, tools, text, reasoning, …). */
  readonly request: ResponsesRequest;
  /** The caller's previous_response_id, echoed (the gateway may have expanded it away from `request`). */
  readonly previousResponseId?: string | null;
  /** The caller's custom (freeform) tools: calls to them are custom_tool_call items. */
  readonly customTools: ReadonlySet<string>;
}

export const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

/** The response object's fields that echo the request, with `status` in progress and no output yet. */
export function baseResponse(ctx: ResponseContext): ResponseObject {
  const r = ctx.request;
  return {
    id: ctx.id,
    object: 'response',
    created_at: ctx.createdAt,
    status: 'in_progress',
    background: false,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    max_tool_calls: r.max_tool_calls ?? null,
    model: r.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: ctx.previousResponseId ?? r.previous_response_id ?? null,
    prompt_cache_key: r.prompt_cache_key ?? null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    safety_identifier: r.safety_identifier ?? null,
    service_tier: typeof r.service_tier === 'string' && r.service_tier !== 'auto' ? r.service_tier : 'default',
    store: r.store ?? true,
    temperature: r.temperature ?? 1,
    text: { format: r.text?.format ?? { type: 'text' }, verbosity: r.text?.verbosity ?? 'medium' },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_logprobs: r.top_logprobs ?? 0,
    top_p: r.top_p ?? 1,
    truncation: r.truncation ?? 'disabled',
    usage: null,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

/** The finished response: status from the finish reason, the output items, usage. */
export function finishResponse(
  base: ResponseObject,
  output: ResponsesItem[],
  finish: FinishReason | null,
  usage: Usage | null | undefined,
  model?: string,
): ResponseObject {
  const incomplete =
    finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : undefined;
  return {
    ...base,
    status: incomplete ? 'incomplete' : 'completed',
    completed_at: incomplete ? null : Math.floor(Date.now() / 1000),
    incomplete_details: incomplete ? { reason: incomplete } : null,
    ...(model ? { model } : {}),
    output,
    usage: responsesUsageOf(usage) satisfies ResponsesUsage,
  };
}

/** A canonical completion → the response object, reasoning sealed in `encrypted_content` (see visibleResponse). */
export function toResponseObject(completion: ChatCompletion, ctx: ResponseContext): ResponseObject {
  const choice = completion.choices[0];
  const message = choice?.message;
  const output: ResponsesItem[] = [];
  const summary = wantsSummary(ctx.request);
  if (message?.reasoning_blocks?.length)
    for (const block of message.reasoning_blocks) output.push(reasoningItem(block, summary));
  else if (message?.reasoning_content)
    output.push(reasoningItem({ type: 'thinking', text: message.reasoning_content }, summary));
  for (const call of webSearchCallsOf(message)) output.push(searchItem(call, ctx.request.include));
  const text = typeof message?.content === 'string' ? message.content : '';
  const calls = message?.tool_calls ?? [];
  if (text || message?.refusal || calls.length === 0) {
    const content: ResponsesContentPart[] = [];
    if (text || !message?.refusal)
      content.push(
        outputText(
          text,
          citationsOf(message).map((c) => annotationOf(c)),
        ),
      );
    if (message?.refusal) content.push({ type: 'refusal', refusal: message.refusal });
    output.push({
      id: newId('msg'),
      type: 'message',
      status: choice?.finish_reason === 'length' ? 'incomplete' : 'completed',
      role: 'assistant',
      content,
    });
  }
  for (const call of calls) output.push(callItem(call, ctx.customTools));
  return finishResponse(
    baseResponse(ctx),
    output,
    choice?.finish_reason ?? 'stop',
    completion.usage,
    completion.model || undefined,
  );
}

export function outputText(text: string, annotations: unknown[] = []): ResponsesContentPart {
  return { type: 'output_text', annotations, logprobs: [], text };
}

/**
 * A reasoning item for a block: OpenAI's own encrypted reasoning as it came (id and summary
 * kept); another provider's block sealed whole in `encrypted_content`, its text shown as the
 * summary only when the caller asked for summaries. A block with no signature (reasoning text a
 * provider only shows, e.g. Gemini's thought summaries) gets no encrypted_content: nothing can
 * take it back.
 */
export function reasoningItem(block: ReasoningBlock, summary: boolean): ResponsesReasoningItem {
  if (block.type === 'encrypted_reasoning' && block.source === 'openai') {
    const item: ResponsesReasoningItem = {
      id: block.id ?? newId('rs'),
      type: 'reasoning',
      summary: block.text ? [{ type: 'summary_text', text: block.text }] : [],
    };
    if (block.signature) item.encrypted_content = block.signature;
    return item;
  }
  const item: ResponsesReasoningItem = {
    id: newId('rs'),
    type: 'reasoning',
    summary: summary && block.text ? [{ type: 'summary_text', text: block.text }] : [],
  };
  if (block.signature !== undefined) item.encrypted_content = sealReasoning(block);
  return item;
}

export function callItem(call: ToolCall, customTools: ReadonlySet<string>): ResponsesItem {
  if (customTools.has(call.function.name)) {
    return {
      id: newId('ctc'),
      type: 'custom_tool_call',
      status: 'completed',
      call_id: call.id,
      name: call.function.name,
      input: customToolInput(call.function.arguments),
    };
  }
  return {
    id: newId('fc'),
    type: 'function_call',
    status: 'completed',
    arguments: call.function.arguments,
    call_id: call.id,
    name: call.function.name,
  };
}

/**
 * The response as the caller sees it: reasoning items keep `encrypted_content` only when the
 * request's `include` asked for `reasoning.encrypted_content` (as OpenAI does). The gateway keeps
 * the whole object, so a follow-up through previous_response_id still has it.
 */
export function visibleResponse(
  response: ResponseObject,
  include: readonly string[] | null | undefined,
): ResponseObject {
  if (include?.includes(ENCRYPTED_REASONING)) return response;
  if (!response.output.some((item) => item.type === 'reasoning' && 'encrypted_content' in item)) return response;
  return { ...response, output: response.output.map((item) => visibleItem(item, include)) };
}

/** One output item as the caller sees it (see visibleResponse). */
export function visibleItem<T extends ResponsesItem>(item: T, include: readonly string[] | null | undefined): T {
  if (item.type !== 'reasoning' || !('encrypted_content' in item) || include?.includes(ENCRYPTED_REASONING))
    return item;
  const { encrypted_content: _hidden, ...rest } = item as ResponsesReasoningItem;
  return rest as unknown as T;
}

/** An OpenAI Responses answer → canonical completion. */
export function fromResponseObject(response: ResponseObject): ChatCompletion {
  if (!response || response.object !== 'response' || !Array.isArray(response.output))
    throw new Error('not a Responses API response object');
  let text = '';
  let refusal = '';
  let reasoning = '';
  const blocks: ReasoningBlock[] = [];
  const calls: ToolCall[] = [];
  const citations: UrlCitation[] = [];
  for (const item of response.output) {
    const it = item as Json;
    if (item.type === 'message') {
      for (const part of (it.content ?? []) as ResponsesContentPart[]) {
        if (part.type === 'output_text') {
          citations.push(...citationsOfPart(part, text.length));
          text += part.text ?? '';
        } else if (part.type === 'refusal') refusal += part.refusal ?? '';
      }
    } else if (item.type === 'function_call') {
      calls.push({
        id: String(it.call_id),
        type: 'function',
        function: { name: String(it.name), arguments: String(it.arguments ?? '') },
      });
    } else if (item.type === 'custom_tool_call') {
      calls.push({
        id: String(it.call_id),
        type: 'function',
        function: { name: String(it.name), arguments: JSON.stringify({ input: String(it.input ?? '') }) },
      });
    } else if (item.type === 'reasoning') {
      const summary = ((it.summary ?? []) as Array<{ text?: string }>).map((s) => s.text ?? '').join('\n\n');
      if (summary) reasoning += summary;
      const block = reasoningBlock(item as ResponsesReasoningItem);
      if (block) blocks.push(block);
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text || (calls.length ? null : ''),
  };
  if (calls.length) message.tool_calls = calls;
  if (refusal) message.refusal = refusal;
  if (reasoning) message.reasoning_content = reasoning;
  if (blocks.length) message.reasoning_blocks = blocks;
  const searches = searchCallsOfOutput(response.output);
  if (searches.length) message[WEB_SEARCH_CALLS] = searches;
  if (citations.length) message[ANNOTATIONS] = citations;
  const completion: ChatCompletion = {
    id: response.id,
    object: 'chat.completion',
    created: typeof response.created_at === 'number' ? response.created_at : Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(response, calls.length > 0), logprobs: null }],
  };
  const usage = canonicalUsageOf(response.usage, response.output);
  if (usage) completion.usage = usage;
  return completion;
}

/** An output_text part's url_citation annotations, as canonical citations of the content, where the part starts at `offset`. */
function citationsOfPart(part: ResponsesContentPart, offset: number): UrlCitation[] {
  if (!Array.isArray(part.annotations) || part.annotations.length === 0) return [];
  return (part.annotations as unknown[])
    .map((note) => citationOfAnnotation(note, offset))
    .filter((c): c is UrlCitation => c !== undefined);
}

/** A Responses status → the finish reason: incomplete for length or the content filter, tool calls, else stop. */
export function finishReasonOf(
  response: Pick<ResponseObject, 'status' | 'incomplete_details'>,
  calls: boolean,
): FinishReason {
  if (response.status === 'incomplete')
    return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  return calls ? 'tool_calls' : 'stop';
}
