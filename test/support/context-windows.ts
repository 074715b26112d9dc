/**
 * Context windows of the models the mock upstreams know, and the prompt size the mocks compare with
 * them: a prompt over the window is refused in each API's words, as the real APIs refuse it.
 */
import { outputLimitFor } from './output-limits.js';

/** Input-token windows by model id or id prefix (a key covers ids continuing it with `-`; the longest key wins). */
export const DEFAULT_CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'gpt-3.5-turbo': 16385,
  'gpt-4o': 128000,
  'gpt-4.1': 1047576,
  'gpt-5': 400000,
  o3: 200000,
  'o4-mini': 200000,
  claude: 200000,
  // Claude models with a 1M-token window, no beta needed (as the gateway's own table knows them).
  'claude-opus-5': 1000000,
  'claude-sonnet-5': 1000000,
  'claude-haiku-5': 1000000,
  'claude-fable-5': 1000000,
  'claude-mythos-5': 1000000,
  'claude-mythos-preview': 1000000,
  'claude-opus-4-8': 1000000,
  'claude-opus-4-7': 1000000,
  'gemini-1.5': 1048576,
  'gemini-2.0': 1048576,
  'gemini-2.5': 1048576,
};

/**
 * The window of `model` from DEFAULT_CONTEXT_WINDOWS and a mock's own `contextWindows` over it; a
 * Vertex model id's `@version` (`claude-sonnet-4-5@20250929`) is not part of the name looked up.
 */
export function contextWindowFor(model: string, own: Readonly<Record<string, number>> | undefined): number | undefined {
  return outputLimitFor(model.replace(/@[^@]*$/, ''), { ...DEFAULT_CONTEXT_WINDOWS, ...own });
}

/** A request body's prompt in tokens: the characters of its text / 4 (inline base64 `data` and Bedrock's `bytes` not counted). */
export function promptTokens(body: unknown): number {
  let characters = 0;
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key !== 'data' && key !== 'bytes' && !value.startsWith('data:')) characters += value.length;
    } else if (Array.isArray(value)) for (const v of value) visit(v);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(body);
  return Math.ceil(characters / 4);
}

/** The prompt's tokens and the model's window when the prompt is over it, else undefined. */
export function overWindow(
  body: unknown,
  model: string,
  own: Readonly<Record<string, number>> | undefined,
): { tokens: number; maximum: number } | undefined {
  const maximum = contextWindowFor(model, own);
  if (maximum === undefined) return undefined;
  const tokens = promptTokens(body);
  return tokens > maximum ? { tokens, maximum } : undefined;
}

/** OpenAI Chat Completions' refusal of a prompt over the window (Azure OpenAI's too), naming both counts. */
export function chatTooLongMessage(over: { tokens: number; maximum: number }): string {
  return `This model's maximum context length is ${over.maximum} tokens. However, your messages resulted in ${over.tokens} tokens. Please reduce the length of the messages.`;
}

/** The Responses API's refusal of a prompt over the window, without numbers. */
export const RESPONSES_TOO_LONG =
  'Your input exceeds the context window of this model. Please adjust your input and try again.';

/**
 * The Responses API's stream refusing a prompt over the window: `response.created` and
 * `response.in_progress`, then the `error` event carrying `error` (the 400 body's error object).
 */
export function responsesTooLongEvents(id: string, error: Record<string, unknown>): Array<Record<string, unknown>> {
  const response = { id, object: 'response', status: 'in_progress', output: [], usage: null };
  return [
    { type: 'response.created', sequence_number: 0, response },
    { type: 'response.in_progress', sequence_number: 1, response },
    { type: 'error', sequence_number: 2, ...error },
  ];
}
