/**
 * Tool-call ids. Gemini function calls carry no id the OpenAI protocol can use, so one is made
 * from the response id and the call's position: the same response always yields the same ids,
 * streamed or not. A function call's `thoughtSignature` (which Gemini 2.5+/3 want back with the
 * call on the next turn) rides inside the id, base64url-encoded, so that OpenAI clients, which
 * echo ids verbatim, return it without knowing.
 */

const SIGNATURE = /^(call_[A-Za-z0-9]*(?:_\d+)+)_sig_([A-Za-z0-9_-]+)$/;

/**
 * `call_<response id, alphanumerics only>_<n>` for the n-th call of the first candidate,
 * `call_<id>_<candidate>_<n>` for other candidates, plus `_sig_<signature>` when the part has one.
 */
export function toolCallId(responseId: string, index: number, signature?: string, candidate = 0): string {
  const id = responseId.replace(/[^A-Za-z0-9]/g, '');
  const base = candidate > 0 ? `call_${id}_${candidate}_${index}` : `call_${id}_${index}`;
  if (!signature) return base;
  return `${base}_sig_${Buffer.from(signature, 'base64').toString('base64url')}`;
}

/** The id without its signature, and the signature in Gemini's (standard base64) form. */
export function splitToolCallId(id: string): { id: string; signature?: string } {
  const match = SIGNATURE.exec(id);
  if (!match) return { id };
  return { id: match[1]!, signature: Buffer.from(match[2]!, 'base64url').toString('base64') };
}

/**
 * The signature Google documents for function calls Gemini did not make (another model's turns,
 * a hand-built history): Gemini 3 refuses a call turn of the current conversation step without a
 * signature ("Function call is missing a thought_signature"), and accepts this one in its place.
 */
export const FOREIGN_CALL_SIGNATURE = 'skip_thought_signature_validator';

/** Whether a model checks function-call signatures: Gemini 3 and later (not Gemini 1.x/2.x, not Gemma). */
export function checksCallSignatures(model: string): boolean {
  const id = model.slice(model.lastIndexOf('/') + 1);
  return !/^(gemini-[12][.-]|gemma-)/.test(id);
}
