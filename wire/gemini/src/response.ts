import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletion, EmbeddingsResponse, FinishReason, ToolCall, Usage } from '@switchyard/core/protocol';
import { toolCallId } from './ids.js';
import { ANNOTATIONS, WEB_SEARCH_CALLS } from '@switchyard/wire-chat';
import { billedSearches, citationsOfGrounding, searchCallsOf, withSearches } from './grounding.js';
import type { Warn } from './request.js';
import type { EmbedContentResponse, GenerateContentResponse, Part, UsageMetadata } from './types.js';

/** What a decoder needs besides the body: fallbacks for fields Gemini may leave out. */
export interface DecodeContext {
  /** Used for ids when the response has no responseId (the exchange id). */
  fallbackId: string;
  /** The model asked for, when the response has no modelVersion. */
  model: string;
  /** The request asked for Google Search: a stream keeps each candidate's text, for the citations its grounding makes. */
  grounded?: boolean;
  warn: Warn;
}

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'LANGUAGE',
]);

/** Finish reasons that mean the model's function call could not be formed. */
const FAILED_CALLS = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL']);

/**
 * Gemini finishReason → OpenAI finish_reason; a candidate that called functions finishes with
 * tool_calls. A function call Gemini could not form throws: the attempt failed (`message`: Gemini's
 * finishMessage, for the caller).
 */
export function finishReasonOf(reason: string, calledTools: boolean, warn: Warn, message?: string): FinishReason {
  if (FAILED_CALLS.has(reason)) {
    // Nothing usable was produced: a failed attempt (the next target may form the call), not an empty answer.
    const detail = message ? `: ${message.slice(0, 200)}` : '';
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_FAILED',
      `Gemini could not form a function call (${reason}${detail})`,
      {
        expose: true,
      },
    );
  }
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  if (calledTools) return 'tool_calls';
  if (reason !== 'STOP') warn(`Gemini finishReason ${reason} reported as stop`);
  return 'stop';
}

/** usageMetadata → usage; thoughts count as completion tokens, as OpenAI counts reasoning tokens. */
export function usageOf(meta: UsageMetadata | undefined): Usage | undefined {
  if (!meta) return undefined;
  const prompt = (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0);
  const thoughts = meta.thoughtsTokenCount ?? 0;
  const completion = (meta.candidatesTokenCount ?? 0) + thoughts;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: meta.totalTokenCount ?? prompt + completion,
  };
  if (meta.cachedContentTokenCount !== undefined)
    usage.prompt_tokens_details = { cached_tokens: meta.cachedContentTokenCount };
  if (meta.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

/** What a candidate's parts say, in OpenAI terms. `nextTool` numbers the candidate's tool calls across a response (or a whole stream). */
export interface PartsReading {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

export function readParts(
  parts: Part[] | undefined,
  responseId: string,
  candidate: number,
  nextTool: () => number,
  warn: Warn,
): PartsReading {
  const out: PartsReading = { text: '', reasoning: '', toolCalls: [] };
  for (const part of parts ?? []) {
    if (part.functionCall) {
      out.toolCalls.push({
        id: toolCallId(responseId, nextTool(), part.thoughtSignature, candidate),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    } else if (typeof part.text === 'string') {
      if (part.thought) out.reasoning += part.text;
      else out.text += part.text;
    } else if (!part.thoughtSignature || Object.keys(part).length > 1) {
      const kind = Object.keys(part).find((k) => k !== 'thoughtSignature' && k !== 'thought') ?? 'unknown';
      warn(`Gemini response part "${kind}" has no OpenAI equivalent and was dropped`);
    }
  }
  return out;
}

/** generateContent response → chat.completion. */
export function fromGenerateContent(body: GenerateContentResponse, c: DecodeContext): ChatCompletion {
  if (!body || typeof body !== 'object') throw new Error('not a GenerateContentResponse');
  const responseId = body.responseId ?? c.fallbackId;
  const candidates = body.candidates ?? [];
  let searched = 0;
  const choices: ChatCompletion['choices'] = candidates.map((candidate, i) => {
    let tools = 0;
    const read = readParts(candidate.content?.parts, responseId, candidate.index ?? i, () => tools++, c.warn);
    const message: ChatCompletion['choices'][number]['message'] = {
      role: 'assistant',
      content: read.text || (read.toolCalls.length ? null : ''),
    };
    if (read.toolCalls.length) message.tool_calls = read.toolCalls;
    if (read.reasoning) message.reasoning_content = read.reasoning;
    const searches = searchCallsOf(candidate.groundingMetadata);
    if (searches.length) message[WEB_SEARCH_CALLS] = searches;
    const citations = citationsOfGrounding(candidate.groundingMetadata, read.text);
    if (citations.length) message[ANNOTATIONS] = citations;
    searched = Math.max(searched, searches.length);
    const finish = finishReasonOf(
      candidate.finishReason ?? 'STOP',
      read.toolCalls.length > 0,
      c.warn,
      candidate.finishMessage,
    );
    return { index: candidate.index ?? i, message, finish_reason: finish, logprobs: null };
  });
  if (choices.length === 0) {
    const reason = body.promptFeedback?.blockReason ?? 'no candidates';
    c.warn(`Gemini returned no candidates (${reason})`);
    choices.push({
      index: 0,
      message: { role: 'assistant', content: null },
      finish_reason: 'content_filter',
      logprobs: null,
    });
  }
  const completion: ChatCompletion = {
    id: `chatcmpl-${responseId}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.modelVersion ?? c.model,
    choices,
  };
  const usage = withSearches(usageOf(body.usageMetadata), billedSearches(searched, completion.model));
  if (usage) completion.usage = usage;
  return completion;
}

/** embedContent / batchEmbedContents response → the OpenAI embeddings list. */
export function fromEmbedContent(body: EmbedContentResponse, model: string, base64: boolean): EmbeddingsResponse {
  const vectors = body?.embeddings ?? (body?.embedding ? [body.embedding] : undefined);
  if (!Array.isArray(vectors)) throw new Error('not an embedContent response');
  const list: EmbeddingsResponse = {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(v.values).buffer).toString('base64') : v.values,
    })),
    model,
  };
  const prompt = body.usageMetadata?.promptTokenCount;
  if (typeof prompt === 'number')
    list.usage = { prompt_tokens: prompt, total_tokens: body.usageMetadata?.totalTokenCount ?? prompt };
  return list;
}
