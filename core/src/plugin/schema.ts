import { Type } from './type.js';
import type { SchemaOptions, Static, TSchema, TUnsafe } from '@sinclair/typebox';

/**
 * A string with a fixed set of values, as JSON Schema `enum`, typed as the union of the values.
 * TypeBox's own union of literals becomes `anyOf`, whose errors read `must be equal to constant`;
 * `enum` reads `must be one of "a", "b"`.
 */
export function stringEnum<const T extends string>(values: readonly T[], options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, enum: [...values] });
}

/**
 * An object of free names (models, keys, instances), each holding a `value`, as JSON Schema
 * `additionalProperties`, typed as a record. TypeBox's `Type.Record` matches names with
 * `^(.*)$`, which lets a name with a line break through unchecked.
 */
export function mapOf<T extends TSchema>(value: T, options: SchemaOptions = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}
