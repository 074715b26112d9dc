/**
 * Checks on request bodies that JSON Schema cannot express, kept free of Koa and of the
 * gateway so they can be tested alone.
 */

/** Longest model name accepted: real names are far shorter; longer ones only fill logs. */
export const MAX_MODEL_LENGTH = 256;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const DOT_DOT_SEGMENT = /(^|\/)\.\.(\/|$)/;

/**
 * Why a model name may not travel on (into upstream URLs, headers and log lines), or undefined
 * when it is fine: control characters (CR and LF included), `..` path segments, excess length.
 */
export function modelNameProblem(model: string): string | undefined {
  if (model.length > MAX_MODEL_LENGTH) return `must be at most ${MAX_MODEL_LENGTH} characters`;
  if (CONTROL.test(model)) return 'must not contain control characters';
  if (DOT_DOT_SEGMENT.test(model)) return 'must not contain ".." path segments';
  return undefined;
}

/**
 * A number literal JSON.parse turns into ±Infinity has an exponent of three digits or more, or
 * at least 309 digits before its exponent. Text without either (the usual case) cannot hold
 * one, and its parsed value is not walked at all.
 */
const MAYBE_HUGE = /\d[eE][+-]?\d{3}|\d{309}/;

/**
 * The path (`max_tokens`, `messages[0].x`) of the first non-finite number in a parsed JSON
 * body, or undefined. `text` is the JSON the body was parsed from.
 */
export function nonFinitePath(text: string, body: unknown): string | undefined {
  if (!MAYBE_HUGE.test(text)) return undefined;
  return walk(body, '');
}

function walk(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '(body)';
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = walk((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}
