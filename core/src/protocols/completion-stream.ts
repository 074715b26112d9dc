/**
 * Canonical chunks → one canonical completion: an accumulator that rebuilds the completion a
 * stream delivered (wire-chat's completionChunks() is the inverse). Pure: no Koa, no tapable.
 */
import type { ChatCompletion, ChatCompletionChunk, ToolCall } from './canonical.js';

type Choice = ChatCompletion['choices'][number];

/** Delta fields whose items add up: reasoning blocks, web searches (wire-chat's web_search_calls), citations (Chat's annotations). */
const LIST_FIELDS = ['reasoning_blocks', 'web_search_calls', 'annotations'] as const;

/** Merges canonical chunks, as they pass, into the completion they add up to. */
export class CompletionAccumulator {
  #id = '';
  #model = '';
  #created = 0;
  #fingerprint: string | null | undefined;
  readonly #choices = new Map<number, Choice>();
  #usage: ChatCompletion['usage'];

  push(chunk: ChatCompletionChunk): void {
    if (!this.#id && chunk.id) this.#id = chunk.id;
    if (!this.#model && chunk.model) this.#model = chunk.model;
    if (!this.#created && chunk.created) this.#created = chunk.created;
    if (typeof chunk.system_fingerprint === 'string') this.#fingerprint = chunk.system_fingerprint;
    if (chunk.usage) this.#usage = chunk.usage;
    for (const part of chunk.choices) {
      let choice = this.#choices.get(part.index);
      if (!choice) {
        choice = { index: part.index, message: { role: 'assistant', content: null }, finish_reason: null };
        this.#choices.set(part.index, choice);
      }
      const { delta } = part;
      const message = choice.message;
      if (typeof delta.content === 'string') message.content = (message.content ?? '') + delta.content;
      if (typeof delta.reasoning_content === 'string')
        message.reasoning_content = (message.reasoning_content ?? '') + delta.reasoning_content;
      if (typeof delta.refusal === 'string') message.refusal = (message.refusal ?? '') + delta.refusal;
      for (const field of LIST_FIELDS) {
        const items = delta[field];
        if (Array.isArray(items) && items.length > 0) ((message[field] ??= []) as unknown[]).push(...items);
      }
      for (const call of delta.tool_calls ?? []) {
        const calls = (message.tool_calls ??= []);
        let known: ToolCall | undefined = calls[call.index];
        if (!known) {
          known = { id: call.id ?? '', type: 'function', function: { name: call.function?.name ?? '', arguments: '' } };
          calls[call.index] = known;
        }
        if (call.id) known.id = call.id;
        if (call.function?.name) known.function.name = call.function.name;
        if (call.function?.arguments) known.function.arguments += call.function.arguments;
      }
      if (part.finish_reason) choice.finish_reason = part.finish_reason;
    }
  }

  /** The completion so far. */
  result(): ChatCompletion {
    const choices = [...this.#choices.values()].sort((a, b) => a.index - b.index);
    for (const choice of choices) {
      const calls = choice.message.tool_calls;
      if (calls) choice.message.tool_calls = calls.filter(Boolean);
    }
    const completion: ChatCompletion = {
      id: this.#id,
      object: 'chat.completion',
      created: this.#created,
      model: this.#model,
      choices,
    };
    if (this.#fingerprint !== undefined) completion.system_fingerprint = this.#fingerprint;
    if (this.#usage) completion.usage = this.#usage;
    return completion;
  }
}
