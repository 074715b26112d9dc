import type { Type as TypeBox } from '@sinclair/typebox';

/** The TypeBox builders Switchyard's schemas use. */
type Builders = Pick<
  typeof TypeBox,
  | 'Array'
  | 'Boolean'
  | 'Integer'
  | 'Literal'
  | 'Null'
  | 'Number'
  | 'Object'
  | 'Optional'
  | 'Record'
  | 'String'
  | 'Union'
  | 'Unknown'
  | 'Unsafe'
>;

// TypeBox marks its schemas with these global symbols: TypeBox's Value functions read them.
const Kind = Symbol.for('TypeBox.Kind');
const OptionalKind = Symbol.for('TypeBox.Optional');
/** TypeBox's `Type.Record` key pattern for a `Type.String()` key. */
const ANY_STRING = '^(.*)$';

type Schema = Record<PropertyKey, unknown>;
type Options = Schema | undefined;

/** As TypeBox's CreateType (its default instance mode): the options, then the schema's own fields over them. */
const create = (schema: Schema, options: Options): Schema =>
  options !== undefined ? { ...options, ...schema } : schema;

const isOptional = (schema: unknown): boolean =>
  typeof schema === 'object' && schema !== null && (schema as Schema)[OptionalKind] === 'Optional';

function optional(schema: Schema, enable = true): Schema {
  if (enable) return { ...schema, [OptionalKind]: 'Optional' };
  const { [OptionalKind]: _flag, ...rest } = schema;
  return rest;
}

function object(properties: Record<string, unknown>, options: Options): Schema {
  const required = Object.keys(properties).filter((key) => !isOptional(properties[key]));
  const schema =
    required.length > 0
      ? { [Kind]: 'Object', type: 'object', required, properties }
      : { [Kind]: 'Object', type: 'object', properties };
  return create(schema, options);
}

function record(key: Schema, value: unknown, options: Options = {}): Schema {
  if (key[Kind] !== 'String' || key.pattern !== undefined)
    throw new TypeError('Type.Record: only a Type.String() key without a pattern is supported');
  return create({ [Kind]: 'Record', type: 'object', patternProperties: { [ANY_STRING]: value } }, options);
}

function union(types: Schema[], options: Options): Schema {
  if (types.length === 0) return create({ [Kind]: 'Never', not: {} }, options);
  if (types.length === 1) return create(types[0]!, options);
  return create({ [Kind]: 'Union', anyOf: types }, options);
}

/**
 * TypeBox's `Type`, for the builders above: the same schema objects (JSON Schema, with TypeBox's
 * symbols) and the same static types, without evaluating TypeBox's ~250 modules at start-up.
 * `Static<>`, TypeBox's other builders and its Value functions still come from TypeBox itself.
 */
export const Type = {
  Array: (items: Schema, options?: Schema) => create({ [Kind]: 'Array', type: 'array', items }, options),
  Boolean: (options?: Schema) => create({ [Kind]: 'Boolean', type: 'boolean' }, options),
  Integer: (options?: Schema) => create({ [Kind]: 'Integer', type: 'integer' }, options),
  Literal: (value: unknown, options?: Schema) =>
    create({ [Kind]: 'Literal', const: value, type: typeof value }, options),
  Null: (options?: Schema) => create({ [Kind]: 'Null', type: 'null' }, options),
  Number: (options?: Schema) => create({ [Kind]: 'Number', type: 'number' }, options),
  Object: object,
  Optional: optional,
  Record: record,
  String: (options?: Schema) => create({ [Kind]: 'String', type: 'string' }, options),
  Union: union,
  Unknown: (options?: Schema) => create({ [Kind]: 'Unknown' }, options),
  Unsafe: (options: Schema = {}) => create({ [Kind]: options[Kind] ?? 'Unsafe' }, options),
} as unknown as Builders;
