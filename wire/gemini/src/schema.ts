import type { GeminiSchema } from './types.js';

/**
 * JSON Schema → the OpenAPI 3.0 subset Gemini's `Schema` accepts (`parameters`, `responseSchema`).
 * The Gemini API parses these fields as a protobuf message and answers 400 "Unknown name" for any
 * keyword outside the subset, so everything else is removed here and reported once per schema.
 *
 * Converted: `$ref` (local `#/$defs/…`, `#/definitions/…`) inlined; `type: [t, "null"]` → `type` +
 * `nullable`; several types → `anyOf`; `oneOf` → `anyOf`; `allOf` merged; `const` → one-value `enum`;
 * `enum` of strings kept; `required` limited to declared properties; `examples[0]` → `example`.
 * Dropped (named in the result): every other keyword, non-string enums, formats Gemini refuses.
 */
export interface SchemaConversion {
  schema: GeminiSchema;
  /** JSON Schema keywords (or `keyword(detail)`) that did not survive, sorted, unique. */
  dropped: string[];
}

const TYPES: Record<string, NonNullable<GeminiSchema['type']>> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  array: 'ARRAY',
  object: 'OBJECT',
  null: 'NULL',
};

/** Formats Gemini accepts, per type; any other is dropped. */
const FORMATS: Partial<Record<NonNullable<GeminiSchema['type']>, readonly string[]>> = {
  STRING: ['enum', 'date-time'],
  NUMBER: ['float', 'double'],
  INTEGER: ['int32', 'int64'],
};

const COPIED = ['title', 'description', 'pattern', 'minimum', 'maximum', 'default', 'example'] as const;
const COUNTS = ['minItems', 'maxItems', 'minProperties', 'maxProperties', 'minLength', 'maxLength'] as const;
/** Handled explicitly below, or annotations that carry no meaning for generation. */
const HANDLED = new Set<string>([
  ...COPIED,
  ...COUNTS,
  'type',
  'format',
  'nullable',
  'enum',
  'const',
  'items',
  'properties',
  'required',
  'anyOf',
  'oneOf',
  'allOf',
  '$ref',
  '$defs',
  'definitions',
  'examples',
  '$schema',
  '$id',
  '$comment',
]);
const MAX_DEPTH = 32;

type Json = Record<string, unknown>;

interface Walk {
  root: Json;
  dropped: Set<string>;
  /** `$ref`s being expanded, to cut recursion. */
  expanding: string[];
}

/** Converts one JSON Schema; `propertyOrdering` is added when `ordered` (useful for responseSchema). */
export function toGeminiSchema(schema: Record<string, unknown>, ordered = false): SchemaConversion {
  const walk: Walk = { root: schema, dropped: new Set(), expanding: [] };
  const converted = convert(schema, walk, ordered, 0);
  return { schema: converted, dropped: [...walk.dropped].sort() };
}

/** True when a converted object schema has nothing to declare (Gemini refuses empty OBJECT parameters). */
export function isEmptyObject(schema: GeminiSchema): boolean {
  return schema.type === 'OBJECT' && (!schema.properties || Object.keys(schema.properties).length === 0);
}

function convert(input: unknown, walk: Walk, ordered: boolean, depth: number): GeminiSchema {
  if (!isObject(input)) return {};
  if (depth > MAX_DEPTH) {
    walk.dropped.add('(nesting deeper than 32)');
    return {};
  }
  let node = input;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    const target = resolveRef(walk.root, ref);
    if (!target) {
      walk.dropped.add(`$ref(${ref})`);
      return pick(node, walk, ordered, depth, ['$ref']);
    }
    if (walk.expanding.includes(ref)) {
      walk.dropped.add(`$ref(recursive ${ref})`);
      return { type: 'OBJECT' };
    }
    walk.expanding.push(ref);
    const { $ref: _ref, ...siblings } = node;
    const out = convert({ ...target, ...siblings }, walk, ordered, depth + 1);
    walk.expanding.pop();
    return out;
  }
  if (Array.isArray(node.allOf)) node = mergeAllOf(node, walk);
  return pick(node, walk, ordered, depth, []);
}

function pick(node: Json, walk: Walk, ordered: boolean, depth: number, skip: string[]): GeminiSchema {
  const out: GeminiSchema = {};
  for (const key of Object.keys(node)) {
    if (!HANDLED.has(key) && !skip.includes(key)) walk.dropped.add(key);
  }
  for (const key of COPIED) if (node[key] !== undefined) (out as Json)[key] = node[key];
  for (const key of COUNTS) if (typeof node[key] === 'number') out[key] = node[key] as number;
  if (out.example === undefined && Array.isArray(node.examples) && node.examples.length > 0)
    out.example = node.examples[0];

  applyType(node, out, walk, ordered, depth);

  if (node.const !== undefined) {
    if (typeof node.const === 'string') out.enum = [node.const];
    else walk.dropped.add('const(non-string)');
  } else if (Array.isArray(node.enum)) {
    const values = node.enum.filter((v) => v !== null);
    if (values.every((v): v is string => typeof v === 'string')) out.enum = values;
    else walk.dropped.add('enum(non-string)');
    if (values.length < node.enum.length) out.nullable = true;
  }
  if (out.enum && out.type === undefined) out.type = 'STRING';
  if (out.enum && out.type === 'STRING') out.format = 'enum';
  else if (typeof node.format === 'string') {
    if (out.type && FORMATS[out.type]?.includes(node.format)) out.format = node.format;
    else walk.dropped.add(`format(${node.format})`);
  }

  if (isObject(node.items)) out.items = convert(node.items, walk, ordered, depth + 1);
  else if (node.items !== undefined) walk.dropped.add('items(tuple)');

  if (isObject(node.properties)) {
    const properties: Record<string, GeminiSchema> = {};
    for (const [name, child] of Object.entries(node.properties))
      properties[name] = convert(child, walk, ordered, depth + 1);
    out.properties = properties;
    if (ordered && Object.keys(properties).length > 1) out.propertyOrdering = Object.keys(properties);
  }
  if (Array.isArray(node.required)) {
    const declared = out.properties ?? {};
    const required = node.required.filter((r): r is string => typeof r === 'string' && r in declared);
    if (required.length < node.required.length) walk.dropped.add('required(undeclared)');
    if (required.length) out.required = required;
  }
  const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (alternatives) mergeAlternatives(out, alternatives, walk, ordered, depth);
  if (node.nullable === true) out.nullable = true;
  return out;
}

/** `type` as a name, or a list: `[t, "null"]` is t + nullable; several non-null types become anyOf. */
function applyType(node: Json, out: GeminiSchema, walk: Walk, ordered: boolean, depth: number): void {
  const raw = node.type;
  if (raw === undefined) {
    if (isObject(node.properties)) out.type = 'OBJECT';
    else if (node.items !== undefined) out.type = 'ARRAY';
    return;
  }
  const names = (Array.isArray(raw) ? raw : [raw]).filter((t): t is string => typeof t === 'string');
  const nonNull = names.filter((t) => t !== 'null');
  if (nonNull.length < names.length && nonNull.length > 0) out.nullable = true;
  if (nonNull.length === 0) {
    out.type = 'NULL';
    return;
  }
  if (nonNull.length === 1) {
    const type = TYPES[nonNull[0]!];
    if (type) out.type = type;
    else walk.dropped.add(`type(${nonNull[0]})`);
    return;
  }
  const { type: _type, ...rest } = node;
  out.anyOf = nonNull.map((t) => convert({ ...rest, type: t }, walk, ordered, depth + 1));
}

function mergeAlternatives(
  out: GeminiSchema,
  alternatives: unknown[],
  walk: Walk,
  ordered: boolean,
  depth: number,
): void {
  const nonNull = alternatives.filter((a) => !(isObject(a) && a.type === 'null'));
  if (nonNull.length < alternatives.length) out.nullable = true;
  const converted = nonNull.map((a) => convert(a, walk, ordered, depth + 1));
  if (converted.length === 1) Object.assign(out, { ...converted[0], ...out });
  else if (converted.length > 1) out.anyOf = [...(out.anyOf ?? []), ...converted];
}

/** allOf: properties, required and plain keywords merged into one schema (an approximation). */
function mergeAllOf(node: Json, walk: Walk): Json {
  const { allOf, ...rest } = node;
  const merged: Json = { ...rest };
  const properties: Json = isObject(rest.properties) ? { ...rest.properties } : {};
  const required = new Set<string>(Array.isArray(rest.required) ? (rest.required as string[]) : []);
  for (const part of allOf as unknown[]) {
    const resolved = isObject(part) && typeof part.$ref === 'string' ? (resolveRef(walk.root, part.$ref) ?? {}) : part;
    if (!isObject(resolved)) continue;
    for (const [key, value] of Object.entries(resolved)) {
      if (key === 'properties' && isObject(value)) Object.assign(properties, value);
      else if (key === 'required' && Array.isArray(value)) for (const r of value) required.add(String(r));
      else if (merged[key] === undefined) merged[key] = value;
    }
  }
  if (Object.keys(properties).length) merged.properties = properties;
  if (required.size) merged.required = [...required];
  if ((allOf as unknown[]).length > 1) walk.dropped.add('allOf(merged)');
  return merged;
}

function resolveRef(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
  }
  return isObject(node) ? node : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
