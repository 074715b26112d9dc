/**
 * Anthropic Messages response → canonical chat completion. Pure: no Koa, no tapable.
 */
import { canonicalUsageOf } from './inbound.js';
import type { ChatCompletion, FinishReason, ReasoningBlock, ToolCall } from '@switchyard/core/protocol';
import { reasoningBlockOf } from './reasoning.js';
import { citationsOfBlock, isSearchBlock, searchCallsOfBlocks } from './web-search.js';
import { ANNOTATIONS, WEB_SEARCH_CALLS } from '@switchyard/wire-chat';
import type { UrlCitation } from '@switchyard/wire-chat';
import type { AnthropicMessage, AnthropicStopReason, AnthropicToolUseBlock } from './types.js';

/** Anthropic stop_reason → OpenAI finish_reason. */
export function finishReasonOf(stop: AnthropicStopReason | null | undefined, jsonAnswer = false): FinishReason | null {
  switch (stop) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return jsonAnswer ? 'stop' : 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn
  }
}

/**
 * `jsonTool`: the forced tool that carried a response_format; its input becomes the message content.
 * `warn`: names what the conversion drops (server tool blocks but web search's, which become
 * `web_search_calls`; citations).
 */
export function fromMessagesResponse(
  message: AnthropicMessage,
  jsonTool?: string,
  warn?: (m: string) => void,
): ChatCompletion {
  if (!message || message.type !== 'message' || !Array.isArray(message.content))
    throw new Error('not an Anthropic message');
  const { text, reasoning, jsonAnswer, calls, blocks, citations } = readBlocks(message.content, jsonTool, warn);
  const out: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text || (calls.length ? null : ''),
  };
  if (calls.length) out.tool_calls = calls;
  if (reasoning) out.reasoning_content = reasoning;
  if (blocks.length) out.reasoning_blocks = blocks;
  const searches = searchCallsOfBlocks(message.content);
  if (searches.length) out[WEB_SEARCH_CALLS] = searches;
  if (citations.length) out[ANNOTATIONS] = citations;
  out.refusal = null;
  const completion: ChatCompletion = {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: out,
        finish_reason: finishReasonOf(message.stop_reason, jsonAnswer && !calls.length),
        logprobs: null,
      },
    ],
  };
  const usage = canonicalUsageOf(message.usage);
  if (usage) completion.usage = usage;
  return completion;
}

/** What a message's content blocks say, in canonical terms; what has no canonical field is named by `warn`. */
function readBlocks(
  content: AnthropicMessage['content'],
  jsonTool: string | undefined,
  warn: ((m: string) => void) | undefined,
): {
  text: string;
  reasoning: string;
  jsonAnswer: boolean;
  calls: ToolCall[];
  blocks: ReasoningBlock[];
  citations: UrlCitation[];
} {
  const read = {
    text: '',
    reasoning: '',
    jsonAnswer: false,
    calls: [] as ToolCall[],
    blocks: [] as ReasoningBlock[],
    citations: [] as UrlCitation[],
  };
  let cited = false;
  for (const block of content) {
    if (block.type === 'text') {
      const start = read.text.length;
      read.text += block.text as string;
      if (Array.isArray(block.citations) && block.citations.length) {
        const kept = citationsOfBlock(block.citations, start, read.text.length);
        read.citations.push(...kept);
        if (kept.length < block.citations.length) cited = true;
      }
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      if (block.type === 'thinking') read.reasoning += block.thinking as string;
      const kept = reasoningBlockOf(block);
      if (kept?.signature) read.blocks.push(kept);
    } else if (block.type === 'tool_use') {
      const use = block as AnthropicToolUseBlock;
      if (jsonTool && use.name === jsonTool) {
        read.text += JSON.stringify(use.input ?? {});
        read.jsonAnswer = true;
      } else
        read.calls.push({
          id: use.id,
          type: 'function',
          function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
        });
    } else if (!isSearchBlock(block)) warn?.(`${block.type} response blocks dropped (no OpenAI equivalent)`);
  }
  if (cited) warn?.('citations of documents dropped (the answer text is kept without them)');
  return read;
}
