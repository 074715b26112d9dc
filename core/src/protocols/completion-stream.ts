/**
 * Canonical chunks ↔ one canonical completion: an accumulator that rebuilds the completion a
 * stream delivered, and the inverse, the chunks that replay a stored completion as a stream.
 * Pure: no Koa, no tapable.
 */
import type { ChatCompletion, ChatCompletionChunk, ToolCall } from './canonical.js';

type Choice = ChatCompletion['choices'][number];

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
      if (delta.reasoning_blocks?.length) (message.reasoning_blocks ??= []).push(...delta.reasoning_blocks);
      if (typeof delta.refusal === 'string') message.refusal = (message.refusal ?? '') + delta.refusal;
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

/**
 * The canonical chunks of a stored completion, for replaying it as a stream: per choice a role
 * chunk, its reasoning (text, then its blocks), content and tool calls, then its finish; then the usage chunk when
 * `includeUsage` (OpenAI's stream_options.include_usage) asks for it.
 */
export function completionChunks(completion: ChatCompletion, includeUsage: boolean): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
  };
  const chunk = (
    index: number,
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: Choice['finish_reason'] = null,
  ): ChatCompletionChunk => {
    const out: ChatCompletionChunk = { ...base, choices: [{ index, delta, finish_reason: finish, logprobs: null }] };
    if (includeUsage) out.usage = null;
    return out;
  };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { message, index } = choice;
    chunks.push(chunk(index, { role: 'assistant', content: '' }));
    const blocks = message.reasoning_blocks ?? [];
    if (blocks.some((b) => b.text)) {
      // Each block's text, then the block itself, as a stream carries them (a signature covers its own block's text).
      for (const block of blocks)
        chunks.push(
          chunk(
            index,
            block.text ? { reasoning_content: block.text, reasoning_blocks: [block] } : { reasoning_blocks: [block] },
          ),
        );
    } else {
      if (message.reasoning_content) chunks.push(chunk(index, { reasoning_content: message.reasoning_content }));
      if (blocks.length) chunks.push(chunk(index, { reasoning_blocks: blocks }));
    }
    if (typeof message.content === 'string' && message.content) chunks.push(chunk(index, { content: message.content }));
    if (message.refusal) chunks.push(chunk(index, { refusal: message.refusal }));
    (message.tool_calls ?? []).forEach((call, i) => {
      chunks.push(
        chunk(index, {
          tool_calls: [
            {
              index: i,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: call.function.arguments },
            },
          ],
        }),
      );
    });
    chunks.push(chunk(index, {}, choice.finish_reason ?? 'stop'));
  }
  if (includeUsage) chunks.push({ ...base, choices: [], usage: completion.usage ?? null });
  return chunks;
}
