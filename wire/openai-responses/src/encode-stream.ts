/**
 * Canonical chunks → the Responses stream, as a small state machine. Pure: no Koa, no tapable.
 *
 * response.created, response.in_progress; then per output item response.output_item.added, its
 * own events (reasoning summary part and text, content part and output text or refusal, function
 * call arguments, custom tool input; a web search's in_progress, searching, completed) and
 * response.output_item.done; then response.completed (or
 * response.incomplete). Every event carries `sequence_number`, counted from 0; an item is closed
 * when the next kind of output starts. The finished response object (`response`) is the one the
 * last event carries, with every reasoning item's `encrypted_content` (see visibleResponse).
 */
import type {
  ChatCompletionChunk,
  FinishReason,
  ReasoningBlock,
  ToolCallDelta,
  Usage,
} from '@switchyard/core/protocol';
import { newId } from './ids.js';
import { customToolInput, wantsSummary } from './request.js';
import { baseResponse, finishResponse, outputText, reasoningItem, visibleItem, visibleResponse } from './response.js';
import { annotationOf, searchItem } from './web-search.js';
import { citationsOf, webSearchCallsOf } from '@switchyard/wire-chat';
import type { UrlCitation, WebSearchCall } from '@switchyard/wire-chat';
import type { ResponseContext } from './response.js';
import type { Json, ResponseObject, ResponsesContentPart, ResponsesItem, ResponsesStreamEvent } from './types.js';

interface Part {
  kind: 'text' | 'refusal';
  text: string;
  /** Where the part starts in the canonical content (citations index into the whole content), and its annotations. */
  start: number;
  annotations: Json[];
}

type Open =
  | { kind: 'reasoning'; index: number; id: string; text: string }
  | { kind: 'message'; index: number; id: string; parts: ResponsesContentPart[]; part: Part | undefined }
  | {
      kind: 'call';
      index: number;
      id: string;
      callId: string;
      name: string;
      args: string;
      custom: boolean;
      tool: number;
    };

/** One event in the Responses SSE framing: `event:` line (the type), then `data:`. */
export function responsesSse(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export class ResponsesStreamEncoder {
  #sequence = 0;
  #out = '';
  #started = false;
  #ended = false;
  readonly #base: ResponseObject;
  readonly #output: ResponsesItem[] = [];
  #open: Open | undefined;
  /** Canonical tool-call index → the call item it became (kept after closing, for late argument pieces). */
  readonly #calls = new Map<number, Extract<Open, { kind: 'call' }>>();
  readonly #summary: boolean;
  readonly #include: readonly string[] | null | undefined;
  #finish: FinishReason | null = null;
  #usage: Usage | undefined;
  #model: string | undefined;
  #final: ResponseObject | undefined;
  /** The canonical content so far, in characters. */
  #chars = 0;
  /** The text part last closed: citations arriving after it reach the final response. */
  #closedText: { part: ResponsesContentPart; start: number } | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.#base = baseResponse(ctx);
    this.#summary = wantsSummary(ctx.request);
    this.#include = ctx.request.include;
  }

  /** The next event's sequence number: the count of events so far. */
  get sequence(): number {
    return this.#sequence;
  }

  /** Usage the stream reported, if any. */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** The finished response (every reasoning item with its encrypted_content), once end() ran. */
  get response(): ResponseObject | undefined {
    return this.#final;
  }

  /** The response as it stands, for an event that reports on it (response.failed). */
  snapshot(): ResponseObject {
    return { ...this.#base, ...(this.#model ? { model: this.#model } : {}), output: this.#output.filter(Boolean) };
  }

  /** Events for one chunk (possibly none). */
  push(chunk: ChatCompletionChunk): string {
    if (chunk.model && !this.#model) this.#model = chunk.model;
    this.#start();
    if (chunk.usage) this.#usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice) {
      const delta = choice.delta;
      if (delta.reasoning_content) this.#reasoningText(delta.reasoning_content);
      for (const block of delta.reasoning_blocks ?? []) this.#reasoningBlock(block);
      if (typeof delta.content === 'string' && delta.content) this.#text('text', delta.content);
      if (typeof delta.refusal === 'string' && delta.refusal) this.#text('refusal', delta.refusal);
      for (const call of delta.tool_calls ?? []) this.#toolCall(call);
      if (delta.annotations !== undefined) for (const citation of citationsOf(delta)) this.#cite(citation);
      for (const search of webSearchCallsOf(delta)) this.#search(search);
      if (choice.finish_reason) this.#finish = choice.finish_reason;
    }
    return this.#flush();
  }

  /** The closing events once the canonical stream ended: open items done, then response.completed or response.incomplete. */
  end(): string {
    this.#start();
    if (this.#ended) return this.#flush();
    this.#ended = true;
    this.#close();
    if (!this.#output.some((item) => item.type !== 'reasoning' && item.type !== 'web_search_call'))
      this.#emptyMessage();
    const final = finishResponse(this.#base, this.#output, this.#finish ?? 'stop', this.#usage, this.#model);
    this.#final = final;
    this.#emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response: visibleResponse(final, this.#include),
    });
    return this.#flush();
  }

  /** `response.failed`, ending a stream that broke: the response so far, status failed, and why. */
  failed(message: string, code = 'server_error'): string {
    this.#start();
    this.#ended = true;
    const response = {
      ...visibleResponse(this.snapshot(), this.#include),
      status: 'failed' as const,
      error: { code, message },
    };
    this.#emit('response.failed', { response });
    return this.#flush();
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const response = this.#model ? { ...this.#base, model: this.#model } : this.#base;
    this.#emit('response.created', { response });
    this.#emit('response.in_progress', { response });
  }

  #emit(type: string, fields: Json): void {
    this.#out += responsesSse({ type, sequence_number: this.#sequence++, ...fields });
  }

  #flush(): string {
    const out = this.#out;
    this.#out = '';
    return out;
  }

  #added(item: ResponsesItem): number {
    const index = this.#output.length;
    this.#output.push(item);
    this.#emit('response.output_item.added', { output_index: index, item: visibleItem(item, this.#include) });
    return index;
  }

  #done(index: number, item: ResponsesItem): void {
    this.#output[index] = item;
    this.#emit('response.output_item.done', { output_index: index, item: visibleItem(item, this.#include) });
  }

  #reasoningText(text: string): void {
    let open = this.#open;
    if (open?.kind !== 'reasoning') {
      this.#close();
      const id = newId('rs');
      open = this.#open = {
        kind: 'reasoning',
        index: this.#added({ id, type: 'reasoning', summary: [] }),
        id,
        text: '',
      };
      if (this.#summary)
        this.#emit('response.reasoning_summary_part.added', {
          item_id: id,
          output_index: open.index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        });
    }
    open.text += text;
    if (this.#summary)
      this.#emit('response.reasoning_summary_text.delta', {
        item_id: open.id,
        output_index: open.index,
        summary_index: 0,
        delta: text,
      });
  }

  /** A complete reasoning block: it finishes the reasoning item its text streamed into, or is an item of its own. */
  #reasoningBlock(block: ReasoningBlock): void {
    const open = this.#open;
    if (open?.kind === 'reasoning') {
      this.#open = undefined;
      this.#finishReasoning(open, block);
      return;
    }
    this.#close();
    const item = reasoningItem(block, this.#summary);
    const index = this.#added({ ...item, summary: [] });
    const text = item.summary[0]?.text;
    if (text) {
      const summary = { item_id: item.id, output_index: index, summary_index: 0 };
      this.#emit('response.reasoning_summary_part.added', { ...summary, part: { type: 'summary_text', text: '' } });
      this.#emit('response.reasoning_summary_text.delta', { ...summary, delta: text });
      this.#emit('response.reasoning_summary_text.done', { ...summary, text });
      this.#emit('response.reasoning_summary_part.done', { ...summary, part: { type: 'summary_text', text } });
    }
    this.#done(index, item);
  }

  #finishReasoning(open: Extract<Open, { kind: 'reasoning' }>, block: ReasoningBlock | undefined): void {
    const item = { ...reasoningItem(block ?? { type: 'thinking', text: open.text }, this.#summary), id: open.id };
    if (this.#summary) {
      const text = item.summary[0]?.text ?? open.text;
      const summary = { item_id: open.id, output_index: open.index, summary_index: 0 };
      this.#emit('response.reasoning_summary_text.done', { ...summary, text });
      this.#emit('response.reasoning_summary_part.done', { ...summary, part: { type: 'summary_text', text } });
      item.summary = [{ type: 'summary_text', text }];
    }
    this.#done(open.index, item);
  }

  #text(kind: Part['kind'], text: string): void {
    let open = this.#open;
    if (open?.kind !== 'message') {
      this.#close();
      const id = newId('msg');
      open = this.#open = {
        kind: 'message',
        index: this.#added({ id, type: 'message', status: 'in_progress', role: 'assistant', content: [] }),
        id,
        parts: [],
        part: undefined,
      };
    }
    let current = open.part;
    if (!current || current.kind !== kind) {
      this.#closePart(open);
      current = open.part = { kind, text: '', start: this.#chars, annotations: [] };
      const part = kind === 'text' ? outputText('') : { type: 'refusal', refusal: '' };
      this.#emit('response.content_part.added', {
        item_id: open.id,
        output_index: open.index,
        content_index: open.parts.length,
        part,
      });
    }
    current.text += text;
    if (kind === 'text') this.#chars += text.length;
    const where = { item_id: open.id, output_index: open.index, content_index: open.parts.length };
    if (kind === 'text') this.#emit('response.output_text.delta', { ...where, delta: text, logprobs: [] });
    else this.#emit('response.refusal.delta', { ...where, delta: text });
  }

  #closePart(open: Extract<Open, { kind: 'message' }>): void {
    const part = open.part;
    if (!part) return;
    const where = { item_id: open.id, output_index: open.index, content_index: open.parts.length };
    const done: ResponsesContentPart =
      part.kind === 'text' ? outputText(part.text, part.annotations) : { type: 'refusal', refusal: part.text };
    if (part.kind === 'text') this.#closedText = { part: done, start: part.start };
    if (part.kind === 'text') this.#emit('response.output_text.done', { ...where, text: part.text, logprobs: [] });
    else this.#emit('response.refusal.done', { ...where, refusal: part.text });
    this.#emit('response.content_part.done', { ...where, part: done });
    open.parts.push(done);
    open.part = undefined;
  }

  #toolCall(delta: ToolCallDelta): void {
    const known = this.#calls.get(delta.index);
    if (known) {
      const args = delta.function?.arguments;
      if (!args) return;
      known.args += args;
      // Pieces of a call already closed (an upstream interleaving calls) reach the final response only.
      if (this.#open === known && !known.custom)
        this.#emit('response.function_call_arguments.delta', {
          item_id: known.id,
          output_index: known.index,
          delta: args,
        });
      else if (this.#open !== known) this.#patchCall(known);
      return;
    }
    this.#close();
    const name = delta.function?.name ?? '';
    const custom = this.ctx.customTools.has(name);
    const callId = delta.id ?? newId('call');
    const open: Extract<Open, { kind: 'call' }> = {
      kind: 'call',
      index: -1,
      id: newId(custom ? 'ctc' : 'fc'),
      callId,
      name,
      args: delta.function?.arguments ?? '',
      custom,
      tool: delta.index,
    };
    this.#calls.set(delta.index, open);
    this.#open = open;
    // A custom tool's input is known only once its arguments are whole: its item is written at close.
    if (custom) return;
    open.index = this.#added({
      id: open.id,
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      call_id: callId,
      name,
    });
    if (open.args)
      this.#emit('response.function_call_arguments.delta', {
        item_id: open.id,
        output_index: open.index,
        delta: open.args,
      });
  }

  #closeCall(open: Extract<Open, { kind: 'call' }>): void {
    if (open.custom) {
      const input = customToolInput(open.args);
      open.index = this.#added({
        id: open.id,
        type: 'custom_tool_call',
        call_id: open.callId,
        name: open.name,
        input: '',
      });
      const where = { item_id: open.id, output_index: open.index };
      if (input) this.#emit('response.custom_tool_call_input.delta', { ...where, delta: input });
      this.#emit('response.custom_tool_call_input.done', { ...where, input });
      this.#done(open.index, { id: open.id, type: 'custom_tool_call', call_id: open.callId, name: open.name, input });
      return;
    }
    this.#emit('response.function_call_arguments.done', {
      item_id: open.id,
      output_index: open.index,
      arguments: open.args,
      name: open.name,
    });
    this.#done(open.index, this.#callItem(open));
  }

  #callItem(open: Extract<Open, { kind: 'call' }>): ResponsesItem {
    if (open.custom)
      return {
        id: open.id,
        type: 'custom_tool_call',
        call_id: open.callId,
        name: open.name,
        input: customToolInput(open.args),
      };
    return {
      id: open.id,
      type: 'function_call',
      status: 'completed',
      arguments: open.args,
      call_id: open.callId,
      name: open.name,
    };
  }

  #patchCall(call: Extract<Open, { kind: 'call' }>): void {
    if (call.index >= 0) this.#output[call.index] = this.#callItem(call);
  }

  /** A citation of the text: an annotation of the text part streaming now, else (late) of the last one, in the final response. */
  #cite(citation: UrlCitation): void {
    const open = this.#open;
    if (open?.kind !== 'message' || open.part?.kind !== 'text') {
      const closed = this.#closedText;
      if (closed) (closed.part.annotations as Json[]).push(annotationOf(citation, closed.start));
      return;
    }
    const part = open.part;
    const annotation = annotationOf(citation, part.start);
    this.#emit('response.output_text.annotation.added', {
      item_id: open.id,
      output_index: open.index,
      content_index: open.parts.length,
      annotation_index: part.annotations.length,
      annotation,
    });
    part.annotations.push(annotation);
  }

  /** A search the upstream ran: a web_search_call item, its in_progress, searching and completed events between added and done. */
  #search(call: WebSearchCall): void {
    this.#close();
    const item = searchItem(call, this.#include);
    const index = this.#added({ id: item.id, type: 'web_search_call', status: 'in_progress' });
    for (const phase of ['in_progress', 'searching', 'completed'])
      this.#emit(`response.web_search_call.${phase}`, { output_index: index, item_id: item.id });
    this.#done(index, item);
  }

  #close(): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    if (open.kind === 'reasoning') this.#finishReasoning(open, undefined);
    else if (open.kind === 'call') this.#closeCall(open);
    else {
      this.#closePart(open);
      this.#done(open.index, {
        id: open.id,
        type: 'message',
        status: this.#finish === 'length' ? 'incomplete' : 'completed',
        role: 'assistant',
        content: open.parts,
      });
    }
  }

  /** A stream that produced no text nor call answers with an empty message, as toResponseObject does. */
  #emptyMessage(): void {
    const id = newId('msg');
    const index = this.#added({ id, type: 'message', status: 'in_progress', role: 'assistant', content: [] });
    this.#emit('response.content_part.added', {
      item_id: id,
      output_index: index,
      content_index: 0,
      part: outputText(''),
    });
    this.#open = {
      kind: 'message',
      index,
      id,
      parts: [],
      part: { kind: 'text', text: '', start: this.#chars, annotations: [] },
    };
    this.#close();
  }
}
