import type * as Pino from 'pino';
import type { Logger as PinoLogger, LoggerOptions as PinoOptions } from 'pino';
import { requireCjs } from './cjs.js';
import { CENSOR, maskText } from './mask.js';

const { pino, stdSerializers } = requireCjs('pino') as typeof Pino;

export type Logger = PinoLogger;

/** Paths redacted from every log line, whatever the level. */
const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
];

/**
 * `value` with key-like strings scrubbed, through plain objects and arrays a few levels deep.
 * Copy on write: the caller's object is never changed, and returned as is when clean.
 */
function scrubFields<T extends object>(value: T, depth: number): T {
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in source) {
    const field = source[key];
    const clean =
      typeof field === 'string' ? maskText(field) : depth > 0 && isPlain(field) ? scrubFields(field, depth - 1) : field;
    if (clean === field) continue;
    copy ??= (Array.isArray(value) ? [...value] : { ...source }) as Record<string, unknown>;
    copy[key] = clean;
  }
  return (copy ?? value) as T;
}

function isPlain(value: unknown): value is object {
  return (
    value !== null &&
    typeof value === 'object' &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
  );
}

/** pino's error serializer, with key-like strings scrubbed from the message and stack. */
function errorSerializer(err: unknown): unknown {
  const serialized: unknown = stdSerializers.err(err as Error);
  if (typeof serialized === 'string') return maskText(serialized);
  return serialized !== null && typeof serialized === 'object' ? scrubFields(serialized, 1) : serialized;
}

/** Line breaks and other control characters (ANSI escapes among them), tab aside. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` with control characters written as escapes (`\n`, `\u001b`): in pretty mode a message
 * is printed as it is, so caller text in it could otherwise start a line that looks like a record.
 */
function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export interface LoggerOptions {
  /** pino level, or `silent`. @default process.env.LOG_LEVEL ?? 'info' */
  level?: string;
  /** Where lines go. @default stdout (or `file`) */
  destination?: { write(line: string): void };
  /** Human-readable lines through pino-pretty. @default process.env.LOG_PRETTY is 1 or true */
  pretty?: boolean;
  /** Append lines to this file instead of stdout. */
  file?: string;
}

/**
 * The gateway's pino logger: JSON lines (or pretty ones), secrets redacted by path
 * (REDACT_PATHS) and by pattern (key-like strings in any string field and in the message).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pretty = !options.destination && (options.pretty ?? /^(1|true)$/i.test(process.env.LOG_PRETTY ?? ''));
  // JSON lines escape every control character already; pretty lines print the message as it is.
  const clean = pretty ? (text: string) => escapeControls(maskText(text)) : maskText;
  const settings: PinoOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'switchyard' },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: { err: errorSerializer },
    formatters: { log: (fields) => scrubFields(fields, 3) },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = clean(args[i] as string);
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  if (options.destination) return pino(settings, options.destination);
  if (pretty) {
    const target = {
      target: 'pino-pretty',
      options: {
        colorize: !options.file && process.stdout.isTTY,
        ...(options.file ? { destination: options.file, mkdir: true } : {}),
      },
    };
    return pino({ ...settings, transport: target });
  }
  // Asynchronous writes (lines logged while one is under way leave together in the next); pino
  // writes what is still buffered synchronously at exit. minLength 1 makes flush() wait for the
  // write under way, so flushLogger() resolves only once every line has left.
  return pino(settings, pino.destination({ dest: options.file ?? 1, sync: false, mkdir: true, minLength: 1 }));
}

/**
 * Resolves once every line logged so far has been written: what shutdown awaits before the
 * process exits, so no line is lost on SIGTERM. Never rejects (a pipe cannot be fsync'ed).
 */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
