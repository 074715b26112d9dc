import type Bytes from 'bytes';
import type { IncomingMessage } from 'node:http';
import type { ValidateFunction } from 'ajv';
import { instancePathToField } from '../config/problems.js';
import { checkSchema, hasValidator, validatorFor } from '../config/validate.js';
import { requireCjs } from '../cjs.js';
import { SwitchyardError } from '../errors.js';
import { modelNameProblem, nonFinitePath } from './request-checks.js';

const bytes = requireCjs('bytes') as typeof Bytes;

/** `10mb` → bytes, parsed once per distinct limit rather than on every request. */
const limitBytes = new Map<string, number>();

/** Refuses bytes that are not UTF-8, where a lenient decoder would pass U+FFFD on upstream. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A parsed request body with the bytes it was parsed from. */
export interface JsonRequestBody {
  readonly body: Record<string, unknown>;
  readonly raw: Buffer;
}

/**
 * Reads and parses a JSON request body once, enforcing the size limit (413), UTF-8 and JSON
 * syntax (400), keeping the bytes as received (a routed request may send them upstream as they are).
 */
export function readJsonRequest(req: IncomingMessage, limit: string): Promise<JsonRequestBody> {
  let max = limitBytes.get(limit);
  if (max === undefined) limitBytes.set(limit, (max = bytes.parse(limit) ?? Number.POSITIVE_INFINITY));
  return readBody(req, max, limit);
}

/** The request body's bytes as a JSON object, or its 400. */
function parseJsonBody(raw: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (err) {
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_JSON', 'request body is not valid UTF-8', {
      cause: err,
      publicCode: 'invalid_json',
    });
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
      { publicCode: 'invalid_request' },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_JSON',
      `request body is not valid JSON: ${(err as Error).message}`,
      { cause: err, publicCode: 'invalid_json' },
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'request body must be a JSON object', {
      publicCode: 'invalid_request',
    });
  }
  // JSON.parse reads 1e309 as Infinity, which JSON.stringify would send upstream as null.
  const huge = nonFinitePath(text, body);
  if (huge !== undefined) {
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `${huge}: must be a finite number`, {
      param: huge,
      publicCode: 'invalid_request',
    });
  }
  return body as Record<string, unknown>;
}

const TOO_LARGE = new Error('request body over the limit');

/** Why a body could not be read: over the limit (413), or cut short (400). */
function unreadable(err: unknown, limit: string): SwitchyardError {
  if (err === TOO_LARGE) {
    return new SwitchyardError('SWITCHYARD_ERR_BODY_TOO_LARGE', `request body exceeds the limit of ${limit}`, {
      publicCode: 'request_too_large',
    });
  }
  return new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', 'could not read the request body', {
    cause: err,
    status: 400,
  });
}

/**
 * The request body, read whole and parsed (parseJsonBody), refused past `max` (at once when
 * Content-Length says so), or when the caller goes away before its end. One buffer as it came
 * when the body is one chunk (the usual case): no copy. A refused body is drained (discarded),
 * so the connection can carry the answer. Settled from the listeners: no async function and
 * await per request.
 */
function readBody(req: IncomingMessage, max: number, limit: string): Promise<JsonRequestBody> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    req.resume();
    return Promise.reject(unreadable(TOO_LARGE, limit));
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const finish = (err: unknown): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      req.off('close', onClose);
      if (err !== undefined) {
        req.resume();
        return reject(unreadable(err, limit));
      }
      const raw = chunks ? Buffer.concat(chunks, size) : (first ?? EMPTY);
      try {
        resolve({ body: parseJsonBody(raw), raw });
      } catch (refused) {
        reject(refused);
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) return finish(TOO_LARGE);
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onClose = (): void => finish(new Error('the caller closed the connection before the end of its body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', finish);
    req.on('close', onClose);
  });
}

const EMPTY = Buffer.alloc(0);

/** The largest max_tokens a protocol accepts: above any model's output limit, far below anything that breaks a token budget. */
export const MAX_OUTPUT_TOKENS = 1_000_000;

/** Deeper bodies are refused: serializing them again upstream would overflow the stack. */
export const MAX_JSON_DEPTH = 128;

/**
 * The deepest `[`/`{` nesting in JSON text, ignoring brackets inside strings. One pass, no
 * allocation; a string is skipped by searching its closing quote (native indexOf), not char by char.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) i = closingQuote(text, i);
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) max = depth;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

/** Where the string opened at `open` ends: its first quote after an even run of backslashes, else the text's end. */
function closingQuote(text: string, open: number): number {
  for (let quote = text.indexOf('"', open + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    // Stops at the opening quote at the latest.
    while (text.charCodeAt(quote - 1 - backslashes) === 92 /* \\ */) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}

/**
 * A request schema's check: it throws a 400 naming the field, and also refuses hostile model
 * names. The schema is checked at once and compiled on the first request it sees: a gateway
 * that never serves an endpoint does not generate its validator.
 */
export function requestValidator(schema: Record<string, unknown>): (body: Record<string, unknown>) => void {
  // A validator generated ahead of time was checked when it was generated.
  if (!hasValidator('request', schema)) checkSchema(schema);
  let validate: ValidateFunction | undefined;
  return (body) => {
    validate ??= validatorFor('request', schema);
    if (validate(body)) {
      const problem = typeof body.model === 'string' ? modelNameProblem(body.model) : undefined;
      if (problem)
        throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `model: ${problem}`, {
          param: 'model',
          publicCode: 'invalid_request',
        });
      return;
    }
    const e = validate.errors![0]!;
    let field = instancePathToField(e.instancePath);
    if (e.keyword === 'required')
      field = field ? `${field}.${String(e.params.missingProperty)}` : String(e.params.missingProperty);
    const message = e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    throw new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `${field || 'body'}: ${message}`, {
      param: field || undefined,
      publicCode: 'invalid_request',
    });
  };
}
