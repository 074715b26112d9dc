import type { ChatCompletionChunk } from '@switchyard/core/protocol';

/**
 * Holds the opening chunks of a decoded upstream stream that carry nothing for the caller (the
 * role chunk an upstream's first event becomes: its id, model and role) until the first chunk
 * that carries something (content, a refusal, reasoning, tool calls, a finish, usage), then
 * passes them on before it, in order. Core commits a converted stream at the first event the
 * caller's codec writes: while only such chunks came, an error the upstream sends (a prompt too
 * long, an overload, a server error) is still thrown before the commit, so the attempt fails
 * over, or the caller gets its protocol's plain HTTP error. Content itself is never held.
 */
export class OpeningHold {
  /** The chunks held so far; undefined once released. */
  #held: ChatCompletionChunk[] | undefined = [];

  /** Appends `chunk` to `out` (after the held ones, the first time one carries something), or holds it. */
  pass(chunk: ChatCompletionChunk, out: ChatCompletionChunk[]): void {
    const held = this.#held;
    if (held === undefined) out.push(chunk);
    else if (carriesNothing(chunk)) held.push(chunk);
    else {
      this.release(out);
      out.push(chunk);
    }
  }

  /** Appends what is held to `out` and holds nothing from now on (the stream commits with it). */
  release(out: ChatCompletionChunk[]): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    for (let i = 0; i < held.length; i++) out.push(held[i]!);
  }
}

/** A chunk whose choices only name the role, with empty or null fields, and no finish (a usage chunk has no choices). */
function carriesNothing(chunk: ChatCompletionChunk): boolean {
  const choices = chunk.choices;
  if (!choices?.length) return false;
  for (const choice of choices) {
    if (choice.finish_reason != null) return false;
    const delta = choice.delta as Record<string, unknown> | undefined;
    for (const key in delta) {
      const value = delta[key];
      if (key !== 'role' && value != null && value !== '') return false;
    }
  }
  return true;
}
