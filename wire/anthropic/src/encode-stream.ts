/**
 * Canonical chunks → Anthropic Messages SSE events, as a small state machine:
 * message_start, then per block content_block_start / content_block_delta… / content_block_stop,
 * then message_delta (stop_reason, usage) and message_stop. Pure: no Koa, no tapable.
 */
import { anthropicUsageOf, messageId, stopReasonOf } from './inbound.js';
import { isAnthropicReasoning } from './reasoning.js';
import { citationsOf, webSearchCallsOf } from '@switchyard/wire-chat';
import type { UrlCitation, WebSearchCall } from '@switchyard/wire-chat';
import { locationOf, searchUseId, webSearchBlocks } from './web-search.js';
import type { AnthropicStreamEvent } from './types.js';
import type { ChatCompletionChunk, FinishReason, ReasoningBlock, Usage } from '@switchyard/core/protocol';

type BlockKind = 'text' | 'thinking' | 'tool';

/** One SSE event in Anthropic's framing: `event:` line, then `data:`. */
export function anthropicSse(event: AnthropicStreamEvent | { type: string; [field: string]: unknown }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class AnthropicStreamEncoder {
  #started = false;
  #block = -1;
  #kind: BlockKind | undefined;
  /** OpenAI tool_calls index → Anthropic block index. */
  readonly #tools = new Map<number, number>();
  #finish: FinishReason | null = null;
  #usage: Usage | undefined;
  /** Web searches shown so far (numbers their server_tool_use ids). */
  #searches = 0;
  /** When the request may search (`cites`): the content so far and where the open text block starts in it, to quote what a citation covers. */
  #content: string | undefined;
  #textStart = 0;

  constructor(
    private readonly model: string,
    cites = false,
  ) {
    if (cites) this.#content = '';
  }

  /** Events for one chunk (possibly none). */
  push(chunk: ChatCompletionChunk): string {
    let out = this.#start(chunk);
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    const delta = choice.delta;
    if (delta.reasoning_content) {
      out += this.#open('thinking', { type: 'thinking', thinking: '', signature: '' });
      out += this.#delta({ type: 'thinking_delta', thinking: delta.reasoning_content });
    }
    for (const block of delta.reasoning_blocks ?? []) out += this.#reasoning(block);
    for (const call of webSearchCallsOf(delta)) out += this.#search(call, messageId(chunk.id));
    if (typeof delta.content === 'string' && delta.content) {
      if (this.#content !== undefined && this.#kind !== 'text') this.#textStart = this.#content.length;
      out += this.#open('text', { type: 'text', text: '' });
      out += this.#delta({ type: 'text_delta', text: delta.content });
      if (this.#content !== undefined) this.#content += delta.content;
    }
    if (delta.annotations !== undefined) out += this.#cite(citationsOf(delta));
    for (const call of delta.tool_calls ?? []) {
      let index = this.#tools.get(call.index);
      if (index === undefined) {
        out += this.#close();
        index = ++this.#block;
        this.#kind = 'tool';
        this.#tools.set(call.index, index);
        out += anthropicSse({
          type: 'content_block_start',
          index,
          content_block: {
            type: 'tool_use',
            id: call.id ?? `toolu_${index}`,
            name: call.function?.name ?? '',
            input: {},
          },
        });
      }
      const args = call.function?.arguments;
      if (args)
        out += anthropicSse({
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: args },
        });
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason;
    return out;
  }

  /** message_start, before the first chunk's events. */
  #start(chunk: ChatCompletionChunk): string {
    if (this.#started) return '';
    this.#started = true;
    return anthropicSse({
      type: 'message_start',
      message: {
        id: messageId(chunk.id),
        type: 'message',
        role: 'assistant',
        model: chunk.model || this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  /** The closing events, once the canonical stream ended. */
  end(): string {
    let out = this.#started
      ? ''
      : this.push({ id: '', object: 'chat.completion.chunk', created: 0, model: this.model, choices: [] });
    out += this.#close();
    const usage = anthropicUsageOf(this.#usage);
    out += anthropicSse({
      type: 'message_delta',
      delta: { stop_reason: stopReasonOf(this.#finish), stop_sequence: null },
      usage: this.#usage ? usage : { output_tokens: 0 },
    });
    out += anthropicSse({ type: 'message_stop' });
    return out;
  }

  get usage(): Usage | undefined {
    return this.#usage;
  }

  #open(kind: Exclude<BlockKind, 'tool'>, block: Record<string, unknown>): string {
    if (this.#kind === kind) return '';
    const out = this.#close();
    this.#block++;
    this.#kind = kind;
    return out + anthropicSse({ type: 'content_block_start', index: this.#block, content_block: block as never });
  }

  /**
   * A complete reasoning block Anthropic signed: its signature ends the thinking block its text
   * streamed in (one is opened when none streamed); a redacted one is a block of its own. Others
   * (unsigned, or another provider's) only had their text to show.
   */
  #reasoning(block: ReasoningBlock): string {
    if (!isAnthropicReasoning(block)) return '';
    if (block.type === 'redacted_thinking') {
      const out = this.#close();
      const index = ++this.#block;
      return (
        out +
        anthropicSse({
          type: 'content_block_start',
          index,
          content_block: { type: 'redacted_thinking', data: block.signature! },
        }) +
        anthropicSse({ type: 'content_block_stop', index })
      );
    }
    let out = this.#open('thinking', { type: 'thinking', thinking: '', signature: '' });
    out += this.#delta({ type: 'signature_delta', signature: block.signature! });
    return out + this.#close();
  }

  /**
   * A web search the upstream ran, as Anthropic streams one: a `server_tool_use` block whose
   * input comes as JSON deltas, then the `web_search_tool_result` block whole.
   */
  #search(call: WebSearchCall, message: string): string {
    let out = this.#close();
    const [use, result] = webSearchBlocks(call, searchUseId(message, this.#searches++));
    const start = (block: Record<string, unknown>): string =>
      anthropicSse({ type: 'content_block_start', index: ++this.#block, content_block: block as never });
    out += start({ ...use, input: {} });
    out += this.#delta({ type: 'input_json_delta', partial_json: JSON.stringify(use!.input) });
    out += anthropicSse({ type: 'content_block_stop', index: this.#block });
    out += start(result!);
    return out + anthropicSse({ type: 'content_block_stop', index: this.#block });
  }

  /** Citations of the text: citations_delta events of the text block streaming now (none open, or the request could not search: dropped). */
  #cite(citations: UrlCitation[]): string {
    const content = this.#content;
    if (this.#kind !== 'text' || content === undefined) return '';
    let out = '';
    for (const citation of citations) {
      const { start_index, end_index } = citation.url_citation;
      const quoted = content.slice(Math.max(start_index, this.#textStart), end_index);
      out += this.#delta({ type: 'citations_delta', citation: locationOf(citation, quoted) });
    }
    return out;
  }

  #delta(delta: Record<string, unknown>): string {
    return anthropicSse({ type: 'content_block_delta', index: this.#block, delta: delta as never });
  }

  #close(): string {
    if (this.#kind === undefined) return '';
    this.#kind = undefined;
    return anthropicSse({ type: 'content_block_stop', index: this.#block });
  }
}
