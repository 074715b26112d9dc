import type { ModelInfo } from '@switchyard/plugin-models/contract';

/** Characters that split a model name into tags. */
const SEPARATORS = /[/:@\-_,.]+/;
/** Parameter counts: `7b`, `70b`, `1.5b`, `8x7b`, `405B`. */
const PARAMETER_SIZE = /(?:^|[^a-z0-9.])((?:\d+x)?\d+(?:\.\d+)?b)(?![a-z0-9])/gi;
/** Context sizes written in the name: `128k`, `32k`, `1m`. */
const CONTEXT_SIZE = /(?:^|[^a-z0-9])(\d+[km])(?![a-z0-9])/gi;

const NAME_RULES: ReadonlyArray<readonly [tag: string, pattern: RegExp]> = [
  ['vision', /(?:^|[^a-z])(?:vision|vl|4o|omni|pixtral|llava)(?![a-z])/],
  ['code', /cod(?:e|er|ex|estral)|starcoder|devstral/],
  ['chat', /chat|instruct|(?:^|[^a-z])it(?![a-z])|turbo/],
  ['mini', /(?:^|[^a-z])(?:mini|nano|tiny|small)(?![a-z])/],
  ['free', /:free$/],
  ['embedding', /embed/],
];

/** The parts of a model name, lower-cased. */
export function nameParts(model: string): string[] {
  return model.toLowerCase().split(SEPARATORS).filter(Boolean);
}

/** Tags of a model name: its parts, plus what the name says of size, context and kind. */
export function nameTags(model: string): string[] {
  const name = model.toLowerCase();
  const tags = new Set(nameParts(name));
  for (const match of name.matchAll(PARAMETER_SIZE)) tags.add(match[1]!);
  for (const match of name.matchAll(CONTEXT_SIZE)) tags.add(match[1]!);
  for (const [tag, pattern] of NAME_RULES) if (pattern.test(name)) tags.add(tag);
  return [...tags];
}

/** `128k` for 128 000 (or 131 072: powers of two count in KiB), `1m` for a million and more. */
export function contextTag(tokens: number): string {
  if (tokens >= 1_000_000) return `${Math.round(tokens / 1_048_576) || 1}m`;
  if (tokens % 1000 !== 0 && tokens % 1024 === 0) return `${tokens / 1024}k`;
  return `${Math.round(tokens / 1000)}k`;
}

/** Tags the model information implies: capabilities, context window, price. */
export function infoTags(info: ModelInfo | undefined): string[] {
  if (!info) return [];
  const tags: string[] = [];
  if (info.vision) tags.push('vision');
  if (info.tools) tags.push('tools');
  if (info.structuredOutput) tags.push('json');
  if (info.embeddings) tags.push('embedding');
  else if (info.vision !== undefined || info.tools !== undefined) tags.push('chat');
  if (info.contextWindow) tags.push(contextTag(info.contextWindow));
  if (info.pricing && info.pricing.input === 0 && info.pricing.output === 0) tags.push('free');
  for (const tag of info.tags ?? []) tags.push(tag.toLowerCase());
  return tags;
}

/** A parsed tag query: `a,b,!c` → include a and b, exclude c. */
export interface TagQuery {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Parses `a,b,!c` (spaces allowed); an empty part is ignored. */
export function parseTagQuery(text: string): TagQuery {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim().toLowerCase();
    if (!part) continue;
    if (part.startsWith('!')) {
      if (part.length > 1) exclude.push(part.slice(1));
    } else include.push(part);
  }
  return { include, exclude };
}
