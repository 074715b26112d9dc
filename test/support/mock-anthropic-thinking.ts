/**
 * Thinking-block signatures issued by the mock Anthropic API.
 *
 * Like Anthropic's, a signature can only come from the server and carries the full thinking
 * (so a block whose thinking was omitted from the answer, `display: "omitted"`, still verifies
 * with the empty `thinking` the client got). It is a base64 payload holding the thinking, whether
 * the answer omitted it, and an HMAC over both, with a key every mock Anthropic shares. A block is
 * refused unless its signature verifies and its thinking is, byte for byte, what the answer carried.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const KEY = 'switchyard-mock-anthropic-thinking';

/** The signature for a thinking text; `omitted` when the answer carries an empty `thinking` instead of the text. */
export function signThinking(thinking: string, omitted = false): string {
  const payload = `${omitted ? 'o' : 'f'}:${Buffer.from(thinking, 'utf8').toString('base64')}`;
  return Buffer.from(JSON.stringify({ v: 1, t: payload, m: mac(payload) })).toString('base64');
}

/** True when `signature` was issued by a mock Anthropic for a block carrying exactly this `thinking`. */
export function verifyThinking(signature: unknown, thinking: unknown): boolean {
  if (typeof signature !== 'string' || typeof thinking !== 'string') return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  // Canonical base64 only: a decoder ignores stray trailing characters, the API's check does not.
  if (Buffer.from(signature, 'base64').toString('base64') !== signature) return false;
  let decoded: { t?: unknown; m?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(signature, 'base64').toString('utf8')) as { t?: unknown; m?: unknown };
  } catch {
    return false;
  }
  if (typeof decoded.t !== 'string' || typeof decoded.m !== 'string') return false;
  const expected = Buffer.from(mac(decoded.t));
  const given = Buffer.from(decoded.m);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const [mode, text] = decoded.t.split(':');
  return thinking === (mode === 'o' ? '' : Buffer.from(text ?? '', 'base64').toString('utf8'));
}

function mac(payload: string): string {
  return createHmac('sha256', KEY).update(payload).digest('base64');
}

/**
 * The prompt text that makes the real API answer with a `redacted_thinking` block (documented by
 * Anthropic for testing redacted thinking); the mock does the same.
 */
export const REDACTED_THINKING_TRIGGER =
  'ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB';

/** Opaque data for a redacted_thinking block; only the mock can make data that verifies. */
export function redactedThinkingData(): string {
  return signThinking('redacted thinking', false);
}

/** True when redacted_thinking data is exactly what a mock Anthropic issued. */
export function verifyRedactedThinking(data: unknown): boolean {
  return verifyThinking(data, 'redacted thinking');
}
