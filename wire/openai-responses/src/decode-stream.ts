/**
 * A Responses stream → canonical chunks, as a state machine. Pure: no Koa, no tapable.
 *
 * response.created → a role chunk; output_text / refusal deltas → content / refusal; reasoning
 * summary (and reasoning text) deltas → reasoning_content, and each finished reasoning item with
 * encrypted_content → reasoning_blocks; function calls → tool_calls (indexes 0, 1, … in output
 * order) with their argument pieces; custom tool calls → one tool call whose arguments are
 * `{"input": …}`; each finished `web_search_call` → a `web_search_calls` chunk, before the text it
 * grounds (an answer whose pages only citations name: one chunk at the end); `url_citation`
 * annotations → `annotations` deltas;
 * response.completed / response.incomplete → the finish chunk and the usage
 * chunk. response.failed and error events throw (one refusing the prompt as too long for the
 * model: promptTooLongError; code rate_limit_exceeded: a rate-limited attempt), as does an end
 * before the last event.
 *
 * decodeResponsesStream holds the role chunk until the first chunk with content (OpeningHold), so
 * an `error` or `response.failed` event right after `response.created` (a prompt too long, a
 * server error) fails the attempt before the stream commits: failover, or the caller's plain
 * HTTP error. A `keepalive` event (sent while a model reasons silently) releases it: the stream
 * commits then rather than run into the attempt's first-event timeout.
 */
import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import {
  ANNOTATIONS,
  mapStream,
  OpeningHold,
  openAITooLong,
  parseStreamEvent,
  promptTooLongError,
  WEB_SEARCH_CALLS,
} from '@switchyard/wire-chat';
import { reasoningBlock } from './request.js';
import { finishReasonOf } from './response.js';
import type { Json, ResponseObject, ResponsesReasoningItem } from './types.js';
import { canonicalUsageOf } from './usage.js';
import { citationOfAnnotation, searchCallsOfOutput } from './web-search.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];

export class ResponsesStreamDecoder {
  #id = '';
  #model = '';
  #created = Math.floor(Date.now() / 1000);
  /** Output item id → canonical tool-call index. */
  readonly #calls = new Map<string, number>();
  #done = false;
  /** The content streamed so far, in characters, and where the text part streaming now starts in it. */
  #chars = 0;
  #partStart = 0;
  /** A search was passed on as its web_search_call item finished. */
  #searched = false;

  /** `onResponse` receives the finished response object as the upstream sent it. */
  constructor(private readonly onResponse?: (response: ResponseObject) => void) {}

  /** True once the stream's last event (completed or incomplete) arrived. */
  get done(): boolean {
    return this.#done;
  }

  push(event: Json): ChatCompletionChunk[] {
    switch (event.type) {
      case 'response.created':
        return this.#responseCreated(event.response as Partial<ResponseObject> | undefined);
      case 'response.output_text.delta': {
        const text = String(event.delta ?? '');
        this.#chars += text.length;
        return [this.#chunk({ content: text })];
      }
      case 'response.content_part.added':
        this.#partStart = this.#chars;
        return [];
      case 'response.output_text.annotation.added': {
        const citation = citationOfAnnotation(event.annotation, this.#partStart);
        return citation ? [this.#chunk({ [ANNOTATIONS]: [citation] })] : [];
      }
      case 'response.refusal.delta':
        return [this.#chunk({ refusal: String(event.delta ?? '') })];
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return [this.#chunk({ reasoning_content: String(event.delta ?? '') })];
      case 'response.output_item.added':
        return this.#itemAdded(event.item as Json);
      case 'response.function_call_arguments.delta':
        return this.#argumentsDelta(event);
      case 'response.output_item.done':
        return this.#itemDone(event.item as Json);
      case 'response.completed':
      case 'response.incomplete':
        return this.#responseEnded(event.response as ResponseObject);
      case 'response.failed': {
        const error = (event.response as { error?: { code?: string; message?: string } } | undefined)?.error;
        throw streamFailure(error?.code ?? 'response.failed', error?.message);
      }
      case 'error': {
        // Flat (`code`, `message`), or as OpenAI sends it today, nested under `error`.
        const error = (event.error ?? event) as { code?: unknown; message?: unknown };
        throw streamFailure(String(error.code ?? 'error'), error.message);
      }
      default:
        return [];
    }
  }

  #responseCreated(response: Partial<ResponseObject> | undefined): ChatCompletionChunk[] {
    this.#id = String(response?.id ?? '');
    this.#model = String(response?.model ?? '');
    if (typeof response?.created_at === 'number') this.#created = response.created_at;
    return [this.#chunk({ role: 'assistant', content: '' })];
  }

  #itemAdded(item: Json): ChatCompletionChunk[] {
    if (item?.type !== 'function_call') return [];
    return [this.#toolCallStart(item, String(item.arguments ?? ''))];
  }

  /** The chunk that opens a tool call (the next index), remembered by item id for its argument deltas. */
  #toolCallStart(item: Json, args: string): ChatCompletionChunk {
    const index = this.#calls.size;
    this.#calls.set(String(item.id), index);
    return this.#chunk({
      tool_calls: [
        { index, id: String(item.call_id), type: 'function', function: { name: String(item.name), arguments: args } },
      ],
    });
  }

  #argumentsDelta(event: Json): ChatCompletionChunk[] {
    const index = this.#calls.get(String(event.item_id));
    if (index === undefined || !event.delta) return [];
    return [this.#chunk({ tool_calls: [{ index, function: { arguments: String(event.delta) } }] })];
  }

  /** The finish chunk and the usage chunk, on response.completed or response.incomplete. */
  #responseEnded(response: ResponseObject): ChatCompletionChunk[] {
    this.#done = true;
    this.onResponse?.(response);
    if (response?.model) this.#model = response.model;
    // Searches passed on as they finished are not repeated; an answer that only cites pages names them here.
    const searches = this.#searched ? [] : searchCallsOfOutput(response?.output);
    const found = searches.length ? [this.#chunk({ [WEB_SEARCH_CALLS]: searches })] : [];
    const finish = this.#chunk({}, finishReasonOf(response, this.#calls.size > 0));
    return [
      ...found,
      finish,
      {
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#model,
        choices: [],
        usage: canonicalUsageOf(response?.usage, response?.output) ?? null,
      },
    ];
  }

  #itemDone(item: Json): ChatCompletionChunk[] {
    if (item?.type === 'reasoning') {
      const block = reasoningBlock(item as unknown as ResponsesReasoningItem);
      return block ? [this.#chunk({ reasoning_blocks: [block] })] : [];
    }
    if (item?.type === 'web_search_call') return this.#search(item);
    if (item?.type === 'custom_tool_call')
      return [this.#toolCallStart(item, JSON.stringify({ input: String(item.input ?? '') }))];
    return [];
  }

  /**
   * A finished search, passed on at once, before the text it grounds (the pages named by its
   * sources, which carry no title: the URL stands for it; the text's citations name titles).
   */
  #search(item: Json): ChatCompletionChunk[] {
    const searches = searchCallsOfOutput([item]);
    if (searches.length === 0) return [];
    this.#searched = true;
    return [this.#chunk({ [WEB_SEARCH_CALLS]: searches })];
  }

  #chunk(delta: Delta, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk {
    return {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }
}

/** A Responses event stream → canonical chunks, the usage chunk included. */
export function decodeResponsesStream(
  events: AsyncIterable<SseEvent>,
  onResponse?: (response: ResponseObject) => void,
): AsyncIterableIterator<ChatCompletionChunk> {
  const decoder = new ResponsesStreamDecoder(onResponse);
  const hold = new OpeningHold();
  return mapStream<SseEvent, ChatCompletionChunk>(events, {
    each(event, out) {
      const parsed = parseStreamEvent<Json>(event.data);
      if (typeof parsed.type !== 'string' && event.event) parsed.type = event.event;
      if (parsed.type === 'keepalive') hold.release(out);
      for (const chunk of decoder.push(parsed)) hold.pass(chunk, out);
      if (!decoder.done) return true;
      hold.release(out);
      return false;
    },
    end() {
      throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'upstream stream ended before response.completed', {
        expose: true,
      });
    },
  });
}

/**
 * A `response.failed` or `error` event's failure: the caller's own error when it refuses the prompt
 * as too long; the upstream's throttling (code `rate_limit_exceeded`) as a rate-limited attempt.
 */
function streamFailure(code: string, message: unknown): SwitchyardError {
  const text = typeof message === 'string' ? message : 'upstream stream error';
  const tooLong = openAITooLong(text, code);
  if (tooLong) return promptTooLongError(text, tooLong);
  const failure =
    code === 'rate_limit_exceeded' ? 'SWITCHYARD_ERR_UPSTREAM_RATE_LIMITED' : 'SWITCHYARD_ERR_UPSTREAM_FAILED';
  return new SwitchyardError(failure, `${code}: ${text}`, { expose: true });
}
