type Json = Record<string, any>;

/**
 * A value matching a JSON schema's shape, as the mock upstreams put in tool calls and JSON answers:
 * the first enum value, strings "Paris", numbers 1, booleans true, every property; of a nullable
 * type or an anyOf, the first non-null choice.
 */
export function sample(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return {};
  const s = schema as Json;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.anyOf)) return sample(s.anyOf.find((x: Json) => x?.type !== 'null') ?? s.anyOf[0]);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return 'Paris';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(s.items)];
    default: {
      const out: Json = {};
      for (const [key, value] of Object.entries(s.properties ?? {})) out[key] = sample(value);
      return out;
    }
  }
}
