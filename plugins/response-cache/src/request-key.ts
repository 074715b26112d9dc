import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { stringify as Stringify } from 'safe-stable-stringify';
import type { Exchange } from '@switchyard/core';

// require, not import: importing a CommonJS file makes Node scan its source (cjs-module-lexer) at start.
const stringify = (createRequire(import.meta.url)('safe-stable-stringify') as { stringify: typeof Stringify })
  .stringify;

/** Fields that never change the answer: who asks, how it is delivered, caching hints. */
const IGNORED = new Set([
  'model',
  'user',
  'stream',
  'stream_options',
  'metadata',
  'prompt_cache_key',
  'safety_identifier',
]);

/**
 * The cache key of a chat request: a hash of the caller's protocol, the key scope, the targets
 * the model name resolves to (alias resolution: re-pointing an alias changes the key), and the
 * body with sorted keys minus IGNORED fields.
 */
export function requestKey(x: Exchange, scope: string, targets: readonly string[]): string {
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(x.body)) if (!IGNORED.has(name) && value !== undefined) body[name] = value;
  const text = stringify({ v: 1, protocol: x.protocol, scope, targets, body }) ?? '';
  return hash('sha256', text, 'base64url');
}

/** `temperature: 0` or a seed: the same request is expected to get the same answer. */
export function isDeterministic(x: Exchange): boolean {
  const request = x.request;
  return request?.temperature === 0 || typeof request?.seed === 'number';
}
