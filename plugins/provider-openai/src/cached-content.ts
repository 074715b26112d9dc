import { SwitchyardError } from '@switchyard/core';

/** Where an OpenAI-compatible upstream reads a Gemini cached content's name, as a path into the body. */
const CACHED_CONTENT_PATHS: ReadonlyArray<readonly string[]> = [
  ['extra_body', 'google', 'cached_content'], // Gemini's and Vertex AI's OpenAI-compatible endpoints
  ['extra_body', 'google', 'cachedContent'], // the same, as Google's JSON parsers also read it
  ['google', 'cached_content'],
  ['google', 'cachedContent'],
  ['cached_content'], // LiteLLM
  ['cachedContent'],
];

/**
 * Refuses a body naming a Gemini cached content (`cachedContents/…`): it belongs to the upstream
 * account, which every key of the gateway shares, so a caller could be answered from a cache another
 * tenant made — its data, and up to the model's window of input that no budget or limit saw.
 */
export function refuseCachedContent(body: Record<string, unknown>): void {
  for (const path of CACHED_CONTENT_PATHS) {
    if (valueAt(body, path) == null) continue;
    const param = path.join('.');
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      `${param}: a cached content of the upstream account is not served to gateway callers (send its contents in the prompt)`,
      { param },
    );
  }
}

function valueAt(body: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = body;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
