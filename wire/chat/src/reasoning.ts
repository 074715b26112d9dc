import type { ChatMessage, ChatRequest } from '@switchyard/core/protocol';

/**
 * The messages without `reasoning_blocks` (a Switchyard field), for an upstream that takes no
 * reasoning back, each kind named once in a warning. The same array when none had any.
 */
export function withoutReasoningBlocks(
  messages: ChatMessage[],
  warn: (message: string) => void,
  upstream: string,
): ChatMessage[] {
  if (!messages.some((m) => m.role === 'assistant' && m.reasoning_blocks !== undefined)) return messages;
  const kinds = new Set<string>();
  const out = messages.map((m) => {
    if (m.role !== 'assistant' || m.reasoning_blocks === undefined) return m;
    const { reasoning_blocks: blocks, ...rest } = m;
    for (const block of blocks ?? []) kinds.add(block.source ? `${block.type} (${block.source})` : block.type);
    return rest as ChatMessage;
  });
  if (kinds.size)
    warn(`reasoning blocks in the history dropped (${upstream} takes none back): ${[...kinds].join(', ')}`);
  return out;
}

/** Sampling fields OpenAI's reasoning models take only at their default value, and that default. */
const REASONING_SAMPLING_DEFAULTS = [
  ['temperature', 1],
  ['top_p', 1],
  ['presence_penalty', 0],
  ['frequency_penalty', 0],
] as const;

/** True when gpt-5.1 or later is told not to reason (`none`): it then samples, and takes `temperature` and `top_p`. */
export function samplesWithoutReasoning(model: string, effort: unknown): boolean {
  return effort === 'none' && /^gpt-(5\.[1-9]|[6-9])/.test(model);
}

/** True when a chat body has a field fitReasoningFields may change: only then is the model table consulted. */
export function hasReasoningFields(body: ChatRequest): boolean {
  return (
    body.reasoning_effort != null ||
    body.max_tokens != null ||
    body.temperature != null ||
    body.top_p != null ||
    body.presence_penalty != null ||
    body.frequency_penalty != null
  );
}

/**
 * A chat body's reasoning fields as the target model takes them, when the model table says
 * whether it reasons: no `reasoning_effort` for a model that does not; for one that does,
 * `max_completion_tokens` (OpenAI's reasoning models refuse `max_tokens`) and sampling fields only
 * at their defaults (they refuse others; gpt-5.1 and later take `temperature` and `top_p` with
 * `reasoning_effort: none`). `renameNamed`: say so of the rename too (an OpenAI caller wrote
 * `max_tokens` itself; for a converted request it is the conversion).
 */
export function fitReasoningFields(
  body: ChatRequest,
  model: string,
  reasoning: boolean | undefined,
  warn: (message: string) => void,
  renameNamed: boolean,
): void {
  if (reasoning === false && body.reasoning_effort != null) {
    warn(`reasoning_effort ${body.reasoning_effort} dropped (${model} does not reason)`);
    delete body.reasoning_effort;
  }
  if (reasoning !== true) return;
  if (body.max_tokens != null) {
    if (renameNamed) warn(`max_tokens sent as max_completion_tokens (${model} takes no max_tokens)`);
    body.max_completion_tokens ??= body.max_tokens;
    delete body.max_tokens;
  }
  const samples = samplesWithoutReasoning(model, body.reasoning_effort);
  for (const [field, fixed] of REASONING_SAMPLING_DEFAULTS) {
    const value = body[field];
    if (value == null || value === fixed || (samples && (field === 'temperature' || field === 'top_p'))) continue;
    warn(`${field} ${String(value)} dropped (${model} reasons and takes only the default, ${fixed})`);
    delete body[field];
  }
}
