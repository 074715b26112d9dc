import { exchangeKey } from '@switchyard/core';
import type { Exchange } from '@switchyard/core';
import type { ChatRequest } from '@switchyard/core/protocol';

/** Characters per token assumed by the estimate (English prose averages about 4). */
const CHARS_PER_TOKEN = 4;
/** Flat estimate per image part. */
const IMAGE_TOKENS = 1000;
/** Per-message framing overhead. */
const MESSAGE_TOKENS = 3;

/**
 * An estimate, not a count: characters / 4 over every text, tool definition and tool call,
 * a flat 1000 per image and 3 per message. Good enough to rule out windows far too small.
 */
export function estimateChatTokens(request: ChatRequest): number {
  let chars = 0;
  let extra = 0;
  for (const message of request.messages) {
    extra += MESSAGE_TOKENS;
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text' && typeof (part as { text?: unknown }).text === 'string')
          chars += (part as { text: string }).text.length;
        else if (part.type === 'image_url' || part.type === 'image') extra += IMAGE_TOKENS;
        else chars += JSON.stringify(part).length;
      }
    }
    if (message.role === 'assistant' && message.tool_calls) chars += JSON.stringify(message.tool_calls).length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + extra);
}

/** Top-level fields of a request body that are not prompt. */
const NOT_PROMPT = new Set(['model', 'metadata', 'user']);
const IMAGE_TYPES = new Set(['image', 'image_url', 'input_image']);
/**
 * Fields holding a JSON schema the upstream reads as prompt (tool parameters, response and output
 * formats): its property names, enum numbers and nesting are prompt too, not just its strings.
 */
const SCHEMA_FIELDS = new Set(['parameters', 'input_schema', 'schema']);

/**
 * The body as the caller sent it, for reservations: characters / `charsPerToken` over every string in
 * it (object keys aside, but for a schema's: SCHEMA_FIELDS), each character past ASCII weighed as its
 * UTF-8 bytes (promptChars()), a flat 1000 per image, one per token id of an `input` given as tokens.
 * An upstream that speaks the caller's protocol is sent this body, parts the canonical request leaves
 * out included, and bills them. Walked with a stack, however deep: a schema nested past any depth is
 * read whole by the upstream.
 */
export function bodyTokens(body: unknown, charsPerToken = CHARS_PER_TOKEN): number {
  let chars = 0;
  let images = 0;
  // Two stacks side by side, no object per value: each value still to read, and whether it lies in a schema.
  const values: unknown[] = [body];
  const inSchema: boolean[] = [false];
  for (let top = true; values.length > 0; top = false) {
    const value = values.pop();
    const schema = inSchema.pop()!;
    if (typeof value === 'string') chars += promptChars(value);
    else if (schema && (typeof value === 'number' || typeof value === 'boolean')) chars += String(value).length;
    else if (value === null || typeof value !== 'object') continue;
    else if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) {
        values.push(value[i]);
        inSchema.push(schema);
      }
    else if (IMAGE_TYPES.has((value as { type?: unknown }).type as string)) images++;
    else
      for (const key in value) {
        if (top && NOT_PROMPT.has(key)) continue;
        if (schema) chars += promptChars(key);
        values.push((value as Record<string, unknown>)[key]);
        inSchema.push(schema || SCHEMA_FIELDS.has(key));
      }
  }
  const ids = body !== null && typeof body === 'object' ? tokenIdsOf((body as { input?: unknown }).input) : 0;
  return Math.ceil(chars / charsPerToken) + images * IMAGE_TOKENS + ids;
}

/** Token ids given in place of text (an embeddings `input` of token arrays): one token each. */
function tokenIdsOf(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  let ids = 0;
  for (const item of input)
    if (typeof item === 'number') ids++;
    else if (Array.isArray(item)) for (const id of item) if (typeof id === 'number') ids++;
  return ids;
}

/**
 * A text's estimated tokens for reservations: characters / `charsPerToken`, each character past
 * ASCII weighed as its UTF-8 bytes (promptChars()), as bodyTokens() weighs a body's strings. For
 * text that is not in a body's prompt fields: an embeddings input.
 */
export function textTokens(text: string, charsPerToken = CHARS_PER_TOKEN): number {
  return Math.ceil(promptChars(text) / charsPerToken);
}

/**
 * A string's length for a token estimate in English characters: 2 × UTF-8 bytes − length. ASCII
 * counts once; a CJK character 5 (over a token at 4 a token, as tokenizers give it about one), an
 * emoji 6, an accented letter 3. Characters / 4 alone lets a CJK prompt reserve a quarter of its bill.
 */
function promptChars(text: string): number {
  return 2 * Buffer.byteLength(text, 'utf8') - text.length;
}

const INPUT_TOKENS = exchangeKey<number>('models:input-tokens');

/** The request's estimated input tokens (estimateChatTokens), computed once per exchange; 0 without a canonical request. */
export function inputTokens(x: Exchange): number {
  let tokens = x.get(INPUT_TOKENS);
  if (tokens === undefined) {
    tokens = x.request ? estimateChatTokens(x.request) : 0;
    x.set(INPUT_TOKENS, tokens);
  }
  return tokens;
}

const SENT_TOKENS = exchangeKey<number>('models:sent-tokens');

/**
 * The input an upstream may bill, for reservations: the larger of inputTokens(x) and bodyTokens(x.body),
 * computed once per exchange. The canonical request leaves out parts it cannot carry, which an upstream
 * of the caller's own protocol is sent all the same.
 */
export function sentInputTokens(x: Exchange): number {
  let tokens = x.get(SENT_TOKENS);
  if (tokens === undefined) {
    tokens = Math.max(inputTokens(x), bodyTokens(x.body));
    x.set(SENT_TOKENS, tokens);
  }
  return tokens;
}
