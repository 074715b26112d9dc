/**
 * Reasoning that did not come from OpenAI, carried in a Responses `reasoning` item's
 * `encrypted_content` so that it survives a stateless round trip through a Responses client (Codex
 * sends `store: false` and resends what it got): an Anthropic thinking block's text and signature
 * (or a redacted_thinking block's data), rebuilt byte for byte on the next turn.
 *
 * The envelope is `swy1_` + base64url(JSON `{ source, type, text?, signature? }`). It is not a
 * secret and not signed: the text is what the model already showed, and the provider that made
 * the signature verifies it. OpenAI's own encrypted content never starts with `swy1_` and passes
 * through untouched.
 */
import type { ReasoningBlock } from '@switchyard/core/protocol';

const PREFIX = 'swy1_';

interface Envelope {
  source: string;
  type: ReasoningBlock['type'];
  text?: string;
  signature?: string;
}

/** The `encrypted_content` that carries a (non-OpenAI) reasoning block. */
export function sealReasoning(block: ReasoningBlock): string {
  const envelope: Envelope = { source: block.source ?? 'unknown', type: block.type };
  if (block.text !== undefined) envelope.text = block.text;
  if (block.signature !== undefined) envelope.signature = block.signature;
  return PREFIX + Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

/** The reasoning block an envelope carries, or undefined when `content` is not one (e.g. OpenAI's own). */
export function openReasoning(content: string): ReasoningBlock | undefined {
  if (!content.startsWith(PREFIX)) return undefined;
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(Buffer.from(content.slice(PREFIX.length), 'base64url').toString('utf8')) as Partial<Envelope>;
  } catch {
    return undefined;
  }
  if (
    typeof envelope !== 'object' ||
    envelope === null ||
    typeof envelope.source !== 'string' ||
    typeof envelope.type !== 'string'
  )
    return undefined;
  const block: ReasoningBlock = { type: envelope.type, source: envelope.source };
  if (typeof envelope.text === 'string') block.text = envelope.text;
  if (typeof envelope.signature === 'string') block.signature = envelope.signature;
  return block;
}

/** True for content this library sealed (a non-OpenAI upstream's reasoning), which OpenAI cannot read. */
export function isSealed(content: unknown): boolean {
  return typeof content === 'string' && content.startsWith(PREFIX);
}

/**
 * A Responses body for an OpenAI upstream (OpenAI or Azure, named by `upstream`): reasoning items
 * another provider made left out of `input`, which that upstream cannot read. The same body when
 * there were none.
 */
export function withoutSealedReasoning(
  body: Record<string, unknown>,
  warn: (message: string) => void,
  upstream: string,
): Record<string, unknown> {
  if (!Array.isArray(body.input)) return body;
  const input = body.input as Array<{ type?: unknown; encrypted_content?: unknown }>;
  const kept = input.filter((item) => !(item.type === 'reasoning' && isSealed(item.encrypted_content)));
  if (kept.length === input.length) return body;
  warn(`reasoning items another provider made dropped (${upstream} reads only its own encrypted reasoning)`);
  return { ...body, input: kept };
}
