import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk, FinishReason, Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { ANNOTATIONS, mapStream, OpeningHold, parseStreamEvent, WEB_SEARCH_CALLS } from '@switchyard/wire-chat';
import { billedSearches, citationsOfGrounding, searchCallsOf, withSearches } from './grounding.js';
import { finishReasonOf, readParts, usageOf } from './response.js';
import type { DecodeContext } from './response.js';
import type { GenerateContentResponse, GroundingMetadata } from './types.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

interface CandidateState {
  /** Tool calls seen so far: the next one's index in `tool_calls` deltas. */
  tools: number;
  finished: boolean;
  /** Its grounding was passed on (Gemini may repeat it on later events). */
  searched?: boolean;
  /** Its text so far, kept only when the request grounds (for the citations its grounding makes). */
  text?: string;
}

/**
 * Gemini streams whole GenerateContentResponse objects (`data: {…}` events, no end marker); the
 * last one carries `finishReason`, and the connection then closes. This turns them into OpenAI
 * chunks: a role chunk first per candidate, content / reasoning / tool-call deltas (each function
 * call arrives whole, so one delta per call, with a stable index and id), a finish chunk, and a
 * usage chunk at the end when asked. `end()` throws if a candidate never finished.
 */
export class GeminiStreamDecoder {
  readonly #c: DecodeContext;
  readonly #includeUsage: boolean;
  readonly #candidates = new Map<number, CandidateState>();
  #id: string | undefined;
  #model: string | undefined;
  #created = Math.floor(Date.now() / 1000);
  #usage: Usage | undefined;
  #blocked = false;
  /** The most searches a candidate's grounding reported so far. */
  #searched = 0;

  constructor(c: DecodeContext, includeUsage: boolean) {
    this.#c = c;
    this.#includeUsage = includeUsage;
  }

  /** One parsed stream event → the chunks it means. */
  push(body: GenerateContentResponse): ChatCompletionChunk[] {
    if (body.error) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `Gemini stream error: ${body.error.message ?? body.error.status ?? 'unknown'}`,
        { expose: true },
      );
    }
    this.#id ??= body.responseId ?? this.#c.fallbackId;
    this.#model ??= body.modelVersion ?? this.#c.model;
    const usage = usageOf(body.usageMetadata);
    if (usage) this.#usage = usage;
    const out: ChatCompletionChunk[] = [];
    const candidates = body.candidates ?? [];
    if (candidates.length === 0 && body.promptFeedback?.blockReason && !this.#blocked) {
      this.#blocked = true;
      this.#c.warn(`Gemini blocked the prompt (${body.promptFeedback.blockReason})`);
      out.push(this.#chunk(0, { role: 'assistant', content: '' }), this.#chunk(0, {}, 'content_filter'));
      this.#candidates.set(0, { tools: 0, finished: true });
    }
    candidates.forEach((candidate, i) => {
      const index = candidate.index ?? i;
      let state = this.#candidates.get(index);
      if (!state) {
        state = { tools: 0, finished: false, text: this.#c.grounded ? '' : undefined };
        this.#candidates.set(index, state);
        out.push(this.#chunk(index, { role: 'assistant', content: '' }));
      }
      if (state.finished) return;
      const s = state;
      const read = readParts(candidate.content?.parts, this.#id!, index, () => s.tools++, this.#c.warn);
      if (read.reasoning) out.push(this.#chunk(index, { reasoning_content: read.reasoning }));
      if (read.text) out.push(this.#chunk(index, { content: read.text }));
      if (s.text !== undefined) s.text += read.text;
      if (candidate.groundingMetadata && !s.searched) this.#grounding(index, s, candidate.groundingMetadata, out);
      if (read.toolCalls.length) {
        const first = s.tools - read.toolCalls.length;
        out.push(
          this.#chunk(index, {
            tool_calls: read.toolCalls.map((call, k) => ({
              index: first + k,
              id: call.id,
              type: 'function' as const,
              function: call.function,
            })),
          }),
        );
      }
      if (candidate.finishReason) {
        s.finished = true;
        const finish = finishReasonOf(candidate.finishReason, s.tools > 0, this.#c.warn, candidate.finishMessage);
        out.push(this.#chunk(index, {}, finish));
      }
    });
    return out;
  }

  /** Gemini sends a candidate's grounding once, with its last text: its citations, then its searches. */
  #grounding(index: number, s: CandidateState, meta: GroundingMetadata, out: ChatCompletionChunk[]): void {
    const searches = searchCallsOf(meta);
    if (!searches.length) return;
    s.searched = true;
    this.#searched = Math.max(this.#searched, searches.length);
    // The citations first, while a caller's text (Responses' output_text part) is still open.
    const citations = citationsOfGrounding(meta, s.text ?? '');
    if (citations.length) out.push(this.#chunk(index, { [ANNOTATIONS]: citations }));
    out.push(this.#chunk(index, { [WEB_SEARCH_CALLS]: searches }));
  }

  /** The stream closed: the usage chunk, or an error if some candidate never finished. */
  end(): ChatCompletionChunk[] {
    const open = [...this.#candidates.values()].filter((s) => !s.finished).length;
    if (this.#candidates.size === 0 || open > 0) {
      throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'Gemini stream ended before a finishReason', {
        expose: true,
      });
    }
    if (!this.#includeUsage || !this.#usage) return [];
    const usage = withSearches(this.#usage, billedSearches(this.#searched, this.#model ?? this.#c.model));
    return [
      {
        id: this.#chunkId(),
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#model!,
        choices: [],
        usage: usage!,
      },
    ];
  }

  #chunkId(): string {
    return `chatcmpl-${this.#id ?? this.#c.fallbackId}`;
  }

  #chunk(index: number, delta: Delta, finish: FinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.#chunkId(),
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model ?? this.#c.model,
      choices: [{ index, delta, finish_reason: finish, logprobs: null }],
    };
  }
}

/**
 * Parsed SSE events → canonical chunks. A candidate's role chunk is held until the first chunk
 * with content (OpeningHold): an error event after an event without content still fails the
 * attempt before the stream commits.
 */
export function decodeGeminiStream(
  events: AsyncIterable<SseEvent>,
  c: DecodeContext,
  includeUsage: boolean,
): AsyncIterableIterator<ChatCompletionChunk> {
  const decoder = new GeminiStreamDecoder(c, includeUsage);
  const hold = new OpeningHold();
  return mapStream<SseEvent, ChatCompletionChunk>(events, {
    each(event, out) {
      if (event.data.trim() === '') return;
      const body = parseStreamEvent<GenerateContentResponse>(event.data, 'Gemini stream event');
      for (const chunk of decoder.push(body)) hold.pass(chunk, out);
    },
    end(out) {
      for (const chunk of decoder.end()) hold.pass(chunk, out);
      hold.release(out);
    },
  });
}
