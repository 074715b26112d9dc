/**
 * Anthropic Messages stream events → canonical chunks, as a state machine. Pure: no Koa, no tapable.
 *
 * message_start → a role chunk; text_delta → content; thinking_delta → reasoning_content, and at
 * the block's end the whole block with its signature as reasoning_blocks (a redacted_thinking
 * block at its start); tool_use blocks → tool_calls with stable indexes (0, 1, … in block order), input_json_delta
 * → incremental arguments; a web search's server_tool_use and web_search_tool_result blocks → one
 * `web_search_calls` chunk at the result; message_delta → the finish chunk; message_stop → the usage chunk
 * (when asked for) and the end. `ping` is ignored; `error` throws.
 */
import { SwitchyardError } from '@switchyard/core';
import { OVERLOADED } from '@switchyard/core/provider';
import { ANNOTATIONS, mapStream, OpeningHold, promptTooLongError, WEB_SEARCH_CALLS } from '@switchyard/wire-chat';
import { anthropicTooLong } from './errors.js';
import { canonicalUsageOf } from './inbound.js';
import type { ChatCompletionChunk, ReasoningBlock, Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicStreamEvent, AnthropicUsage } from './types.js';
import { reasoningBlockOf } from './reasoning.js';
import { finishReasonOf } from './response.js';
import { citationsOfBlock, searchResultsOf } from './web-search.js';

export class StreamError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];
type Cited = { index: number; start: number; citations: unknown[] };

export class MessagesStreamDecoder {
  #id = '';
  #model = '';
  readonly #created = Math.floor(Date.now() / 1000);
  #usage: Partial<AnthropicUsage> = {};
  /** Anthropic block index → OpenAI tool_calls index, or 'json' for the forced JSON tool. */
  readonly #blocks = new Map<number, number | 'json'>();
  #tools = 0;
  /** The thinking block streaming now: its index, text so far and signature. */
  #thinking: { index: number; text: string; signature: string } | undefined;
  #done = false;
  #jsonAnswer = false;
  /** Web searches streaming now, by server_tool_use id: their block index and input JSON so far. */
  readonly #searches = new Map<string, { index: number; json: string }>();
  /** The content streamed so far, in characters: where a cited text block starts and ends. */
  #chars = 0;
  /** The text block streaming now whose citations came (before its text): its index, start and citations. */
  #cited: Cited | undefined;

  constructor(
    private readonly includeUsage: boolean,
    private readonly jsonTool?: string,
  ) {}

  /** True once message_stop arrived. */
  get done(): boolean {
    return this.#done;
  }

  get usage(): Usage | undefined {
    return canonicalUsageOf(this.#usage);
  }

  push(event: AnthropicStreamEvent): ChatCompletionChunk[] {
    switch (event.type) {
      case 'message_start':
        return this.#messageStart(event.message);
      case 'content_block_start':
        return this.#blockStart(event.index, event.content_block);
      case 'content_block_stop':
        return this.#blockStop(event.index);
      case 'content_block_delta':
        return this.#delta(event.index, event.delta);
      case 'message_delta':
        return this.#messageDelta(event);
      case 'message_stop':
        return this.#messageStop();
      case 'error':
        throw new StreamError(event.error?.type ?? 'api_error', event.error?.message ?? 'upstream stream error');
      default:
        return []; // ping, and events a newer API may add
    }
  }

  #messageStart(message: AnthropicMessage): ChatCompletionChunk[] {
    this.#id = message.id;
    this.#model = message.model;
    this.#usage = { ...message.usage };
    return [this.#chunk({ role: 'assistant', content: '' })];
  }

  #blockStart(index: number, block: AnthropicContentBlock): ChatCompletionChunk[] {
    if (block.type === 'tool_use') return this.#toolUseStart(index, block);
    if (block.type === 'text' && typeof block.text === 'string' && block.text) return [this.#content(block.text)];
    if (block.type === 'thinking') return this.#thinkingStart(index, block);
    if (block.type === 'server_tool_use' && block.name === 'web_search') {
      const input = block.input as { query?: unknown } | undefined;
      const json = input && typeof input.query === 'string' ? JSON.stringify(input) : '';
      this.#searches.set(String(block.id), { index, json });
      return [];
    }
    if (block.type === 'web_search_tool_result') return this.#searchResult(block);
    const redacted = block.type === 'redacted_thinking' ? reasoningBlockOf(block) : undefined;
    return redacted ? [this.#chunk({ reasoning_blocks: [redacted] })] : [];
  }

  /** A search's result block (whole at its start): the search, its query read from its server_tool_use, as one web_search_calls chunk. */
  #searchResult(block: AnthropicContentBlock): ChatCompletionChunk[] {
    const use = this.#searches.get(String(block.tool_use_id));
    if (!use) return [];
    this.#searches.delete(String(block.tool_use_id));
    let query = '';
    try {
      const input = JSON.parse(use.json || '{}') as { query?: unknown };
      if (typeof input.query === 'string') query = input.query;
    } catch {
      // An unreadable input: the search is shown without its query.
    }
    return [this.#chunk({ [WEB_SEARCH_CALLS]: [{ query, results: searchResultsOf(block) }] })];
  }

  #toolUseStart(index: number, block: AnthropicContentBlock): ChatCompletionChunk[] {
    if (this.jsonTool && block.name === this.jsonTool) {
      this.#blocks.set(index, 'json');
      this.#jsonAnswer = true;
      return [];
    }
    const call = this.#tools++;
    this.#blocks.set(index, call);
    return [
      this.#chunk({
        tool_calls: [
          {
            index: call,
            id: block.id as string,
            type: 'function',
            function: { name: block.name as string, arguments: '' },
          },
        ],
      }),
    ];
  }

  #thinkingStart(index: number, block: AnthropicContentBlock): ChatCompletionChunk[] {
    const text = typeof block.thinking === 'string' ? block.thinking : '';
    this.#thinking = {
      index,
      text,
      signature: typeof block.signature === 'string' ? block.signature : '',
    };
    return text ? [this.#chunk({ reasoning_content: text })] : [];
  }

  #blockStop(index: number): ChatCompletionChunk[] {
    if (this.#cited?.index === index) return this.#citations(this.#cited);
    const thinking = this.#thinking;
    if (!thinking || thinking.index !== index) return [];
    this.#thinking = undefined;
    const block: ReasoningBlock | undefined = reasoningBlockOf({
      type: 'thinking',
      thinking: thinking.text,
      signature: thinking.signature,
    });
    return block?.signature ? [this.#chunk({ reasoning_blocks: [block] })] : [];
  }

  #messageDelta(event: Extract<AnthropicStreamEvent, { type: 'message_delta' }>): ChatCompletionChunk[] {
    this.#usage = { ...this.#usage, ...stripNulls(event.usage) };
    const finish = finishReasonOf(event.delta.stop_reason, this.#jsonAnswer && this.#tools === 0);
    return finish ? [this.#chunk({}, finish)] : [];
  }

  #messageStop(): ChatCompletionChunk[] {
    this.#done = true;
    if (!this.includeUsage) return [];
    return [
      {
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#model,
        choices: [],
        usage: this.usage ?? null,
      },
    ];
  }

  #delta(
    index: number,
    delta: Extract<AnthropicStreamEvent, { type: 'content_block_delta' }>['delta'],
  ): ChatCompletionChunk[] {
    switch (delta.type) {
      case 'text_delta':
        return [this.#content(delta.text as string)];
      case 'thinking_delta':
        // Anthropic sends an empty thinking_delta before the signature: no chunk for it.
        if (!delta.thinking) return [];
        if (this.#thinking?.index === index) this.#thinking.text += delta.thinking as string;
        return [this.#chunk({ reasoning_content: delta.thinking as string })];
      case 'signature_delta':
        if (this.#thinking?.index === index) this.#thinking.signature += delta.signature as string;
        return [];
      case 'input_json_delta': {
        const target = this.#blocks.get(index);
        const json = delta.partial_json as string;
        for (const search of this.#searches.values()) if (search.index === index) search.json += json ?? '';
        if (!json || target === undefined) return [];
        if (target === 'json') return [this.#content(json)];
        return [this.#chunk({ tool_calls: [{ index: target, function: { arguments: json } }] })];
      }
      case 'citations_delta':
        if (this.#cited?.index !== index) this.#cited = { index, start: this.#chars, citations: [] };
        this.#cited.citations.push(delta.citation);
        return [];
      default:
        return [];
    }
  }

  #content(text: string): ChatCompletionChunk {
    this.#chars += text.length;
    return this.#chunk({ content: text });
  }

  /** A cited text block ended: its search citations, of the text it streamed, as one annotations chunk. */
  #citations(cited: Cited): ChatCompletionChunk[] {
    this.#cited = undefined;
    const citations = citationsOfBlock(cited.citations, cited.start, this.#chars);
    return citations.length ? [this.#chunk({ [ANNOTATIONS]: citations })] : [];
  }

  #chunk(delta: Delta, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk {
    const chunk: ChatCompletionChunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }
}

function stripNulls(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  const out: Partial<AnthropicUsage> = {};
  for (const [key, value] of Object.entries(usage ?? {})) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/**
 * A Messages event stream → canonical chunks, always with the usage chunk (so the gateway learns
 * the stream's usage, cache reads and writes included; the caller's codec passes it on only when
 * asked). An `error` event, an unreadable event or an end before message_stop throws (an error
 * event refusing the prompt as too long for the model: promptTooLongError). The role chunk of
 * `message_start` is held until the first chunk with content (OpeningHold): an `error` event
 * before it (an overload, a prompt too long) fails the attempt before the stream commits.
 */
export function decodeMessagesStream(
  events: AsyncIterable<SseEvent>,
  jsonTool?: string,
): AsyncIterableIterator<ChatCompletionChunk> {
  const decoder = new MessagesStreamDecoder(true, jsonTool);
  const hold = new OpeningHold();
  return mapStream<SseEvent, ChatCompletionChunk>(events, {
    each(event, out) {
      let chunks: ChatCompletionChunk[];
      try {
        chunks = decoder.push(JSON.parse(event.data) as AnthropicStreamEvent);
      } catch (err) {
        const failed = (message: string, extra?: typeof OVERLOADED) =>
          new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', message, { expose: true, cause: err, ...extra });
        if (!(err instanceof StreamError)) throw failed('unreadable upstream stream event');
        const tooLong = anthropicTooLong(err.message);
        if (tooLong) throw promptTooLongError(err.message, tooLong);
        // Before the first content, it is the attempt's error: an overload stays Anthropic's 529, as an overloaded answer's status does.
        throw failed(`${err.type}: ${err.message}`, err.type === OVERLOADED.type ? OVERLOADED : undefined);
      }
      for (let i = 0; i < chunks.length; i++) hold.pass(chunks[i]!, out);
      if (!decoder.done) return true;
      hold.release(out);
      return false;
    },
    end() {
      throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'upstream stream ended before message_stop', {
        expose: true,
      });
    },
  });
}
