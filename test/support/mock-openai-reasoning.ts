/**
 * The opaque `encrypted_content` of reasoning items issued by the mock OpenAI Responses API.
 *
 * Like OpenAI's, it can only be produced by the server: a base64url payload and an HMAC over it
 * with a key every mock OpenAI shares (so content one mock instance issued verifies at another,
 * as it does between two deployments of the same organisation). A changed byte fails to verify.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = 'switchyard-mock-openai-reasoning';

/** Encrypted content for a reasoning item with this id and summary text. */
export function encryptReasoning(itemId: string, summary: string): string {
  const payload = Buffer.from(JSON.stringify({ id: itemId, summary, nonce: randomBytes(16).toString('hex') })).toString(
    'base64url',
  );
  return `gAAAA${payload}.${mac(payload)}`;
}

/** True when the content is exactly as this mock (or another mock OpenAI) issued it. */
export function verifyEncryptedReasoning(content: string): boolean {
  const match = /^gAAAA([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(content);
  if (!match) return false;
  const expected = Buffer.from(mac(match[1]!));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function mac(payload: string): string {
  return createHmac('sha256', KEY).update(payload).digest('base64url');
}
