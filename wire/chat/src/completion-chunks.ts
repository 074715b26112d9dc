/**
 * The inverse of core's CompletionAccumulator: the canonical chunks that replay a stored
 * completion (a cached answer) as a stream. Pure.
 */
import type { ChatCompletion, ChatCompletionChunk } from '@switchyard/core/protocol';
import { ANNOTATIONS, WEB_SEARCH_CALLS, webSearchCallsOf } from './web-search.js';

type Choice = ChatCompletion['choices'][number];

/**
 * The canonical chunks of a stored completion, for replaying it as a stream: per choice a role
 * chunk, its reasoning (text, then its blocks), its web searches, content, its citations and tool
 * calls, then its finish; then the usage chunk when
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
    // The searches before the text they ground, its citations after it, as the answer came.
    const searches = webSearchCallsOf(message);
    if (searches.length) chunks.push(chunk(index, { [WEB_SEARCH_CALLS]: searches }));
    if (typeof message.content === 'string' && message.content) chunks.push(chunk(index, { content: message.content }));
    if (Array.isArray(message.annotations) && message.annotations.length)
      chunks.push(chunk(index, { [ANNOTATIONS]: message.annotations }));
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
