/**
 * Bedrock Converse response and ConverseStream events → canonical completion and chunks. Pure:
 * no Koa, no tapable.
 */
import { SwitchyardError } from '@switchyard/core';
import type { ChatCompletion, ChatCompletionChunk, FinishReason, ToolCall, Usage } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { mapStream, OpeningHold, parseStreamEvent } from '@switchyard/wire-chat';
import type { ConverseResponse, ConverseStreamEvents, ConverseUsage, StopReason } from './converse-types.js';

export interface DecodeContext {
  /** The completion id (Converse answers carry none). */
  id: string;
  model: string;
  /** The forced JSON tool of the request, whose input is the answer. */
  jsonTool?: string | undefined;
  warn: (message: string) => void;
}

/** Converse stopReason → OpenAI finish_reason. */
export function finishReasonOf(stop: StopReason | undefined, jsonAnswer = false): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return jsonAnswer ? 'stop' : 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Converse usage → canonical: prompt tokens include cache reads and writes, as Anthropic's do. */
export function usageOf(usage: ConverseUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const read = usage.cacheReadInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  const prompt = (usage.inputTokens ?? 0) + read + written;
  const completion = usage.outputTokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (read || written)
    out.prompt_tokens_details = { cached_tokens: read, ...(written ? { cache_write_tokens: written } : {}) };
  return out;
}

export function fromConverse(body: ConverseResponse, c: DecodeContext): ChatCompletion {
  const content = body?.output?.message?.content;
  if (!Array.isArray(content)) throw new Error('not a Converse response');
  let text = '';
  let reasoning = '';
  let jsonAnswer = false;
  const calls: ToolCall[] = [];
  for (const block of content) {
    if ('text' in block) text += block.text;
    else if ('toolUse' in block) {
      const use = block.toolUse;
      if (c.jsonTool && use.name === c.jsonTool) {
        text += JSON.stringify(use.input ?? {});
        jsonAnswer = true;
      } else
        calls.push({
          id: use.toolUseId,
          type: 'function',
          function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
        });
    } else if ('reasoningContent' in block) reasoning += block.reasoningContent.reasoningText?.text ?? '';
    else c.warn(`${Object.keys(block)[0] ?? 'unknown'} response blocks dropped (no OpenAI equivalent)`);
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text || (calls.length ? null : ''),
  };
  if (calls.length) message.tool_calls = calls;
  if (reasoning) message.reasoning_content = reasoning;
  const completion: ChatCompletion = {
    id: c.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: c.model,
    choices: [
      {
        index: 0,
        message,
        finish_reason: finishReasonOf(body.stopReason, jsonAnswer && !calls.length),
        logprobs: null,
      },
    ],
  };
  const usage = usageOf(body.usage);
  if (usage) completion.usage = usage;
  return completion;
}

type Delta = ChatCompletionChunk['choices'][number]['delta'];

/**
 * ConverseStream events → canonical chunks, as a state machine: messageStart → the role chunk;
 * text deltas → content; reasoning deltas → reasoning_content; a toolUse block start → a tool
 * call with the next index, its input deltas → arguments (the forced JSON tool's → content);
 * messageStop → the finish chunk; metadata (after messageStop) → the usage chunk and the end.
 */
export class ConverseStreamDecoder {
  readonly #c: DecodeContext;
  readonly #created = Math.floor(Date.now() / 1000);
  /** Converse block index → tool_calls index, or 'json' for the forced JSON tool. */
  readonly #blocks = new Map<number, number | 'json'>();
  #tools = 0;
  #jsonAnswer = false;
  #stopped = false;
  #done = false;

  constructor(c: DecodeContext) {
    this.#c = c;
  }

  /** True once the metadata event (usage) arrived after messageStop. */
  get done(): boolean {
    return this.#done;
  }

  /** True once messageStop arrived. */
  get stopped(): boolean {
    return this.#stopped;
  }

  push<K extends keyof ConverseStreamEvents>(type: K | string, event: ConverseStreamEvents[K]): ChatCompletionChunk[] {
    switch (type) {
      case 'messageStart':
        return [this.#chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const e = event as ConverseStreamEvents['contentBlockStart'];
        const use = e.start?.toolUse;
        if (!use) return [];
        if (this.#c.jsonTool && use.name === this.#c.jsonTool) {
          this.#blocks.set(e.contentBlockIndex, 'json');
          this.#jsonAnswer = true;
          return [];
        }
        const index = this.#tools++;
        this.#blocks.set(e.contentBlockIndex, index);
        return [
          this.#chunk({
            tool_calls: [{ index, id: use.toolUseId, type: 'function', function: { name: use.name, arguments: '' } }],
          }),
        ];
      }
      case 'contentBlockDelta': {
        const e = event as ConverseStreamEvents['contentBlockDelta'];
        const delta = e.delta ?? {};
        if (typeof delta.text === 'string') return delta.text ? [this.#chunk({ content: delta.text })] : [];
        if (delta.reasoningContent?.text) return [this.#chunk({ reasoning_content: delta.reasoningContent.text })];
        if (typeof delta.toolUse?.input === 'string' && delta.toolUse.input) {
          const target = this.#blocks.get(e.contentBlockIndex);
          if (target === undefined) return [];
          if (target === 'json') return [this.#chunk({ content: delta.toolUse.input })];
          return [this.#chunk({ tool_calls: [{ index: target, function: { arguments: delta.toolUse.input } }] })];
        }
        return [];
      }
      case 'messageStop': {
        this.#stopped = true;
        const e = event as ConverseStreamEvents['messageStop'];
        return [this.#chunk({}, finishReasonOf(e.stopReason, this.#jsonAnswer && this.#tools === 0))];
      }
      case 'metadata': {
        this.#done = true;
        const usage = usageOf((event as ConverseStreamEvents['metadata']).usage);
        return usage
          ? [
              {
                id: this.#c.id,
                object: 'chat.completion.chunk',
                created: this.#created,
                model: this.#c.model,
                choices: [],
                usage,
              },
            ]
          : [];
      }
      default:
        return []; // contentBlockStop, and events a newer API may add
    }
  }

  #chunk(delta: Delta, finish: FinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.#c.id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#c.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }
}

/**
 * ConverseStream events (named by `:event-type`) → canonical chunks; an end before messageStop
 * throws. The role chunk of messageStart is held until the first chunk with content
 * (OpeningHold): an exception before it (throttling, a prompt too long) fails the attempt before
 * the stream commits.
 */
export function decodeConverseStream(
  events: AsyncIterable<SseEvent>,
  c: DecodeContext,
): AsyncIterableIterator<ChatCompletionChunk> {
  const decoder = new ConverseStreamDecoder(c);
  const hold = new OpeningHold();
  return mapStream<SseEvent, ChatCompletionChunk>(events, {
    each(event, out) {
      const parsed = parseStreamEvent<never>(event.data, 'Bedrock stream event');
      for (const chunk of decoder.push(event.event ?? '', parsed)) hold.pass(chunk, out);
      if (!decoder.done) return true;
      hold.release(out);
      return false;
    },
    end(out) {
      if (!decoder.stopped)
        throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'Bedrock stream ended before messageStop', {
          expose: true,
        });
      hold.release(out);
    },
  });
}
