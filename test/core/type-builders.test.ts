import { Type as TypeBox } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { Type } from '@switchyard/core';

/** The schema with its symbol keys (TypeBox's Kind and Optional marks) as strings, so that equality compares them too. */
function marked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(marked);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Reflect.ownKeys(value).map((key) => [String(key), marked((value as Record<PropertyKey, unknown>)[key])]),
  );
}

/**
 * Builds the same schema with a builder set: every builder core's Type provides, with and without
 * options. TypeBox's Value functions refuse `Unsafe` (unknown to them): `unsafe: false` leaves it out.
 */
function sample(T: typeof Type, { unsafe = true } = {}) {
  return T.Object(
    {
      name: T.String({ minLength: 1, description: 'a name' }),
      count: T.Optional(T.Integer({ minimum: 0, default: 3 })),
      ratio: T.Number(),
      on: T.Boolean({ default: false }),
      tags: T.Array(T.String(), { default: [] }),
      mode: T.Union([T.Boolean(), T.Literal('auto')], { default: true }),
      one: T.Union([T.String()], { description: 'a union of one' }),
      none: T.Optional(T.Union([])),
      cleared: T.Optional(T.Null(), false),
      extra: T.Record(T.String(), T.Unknown(), { default: {} }),
      plain: T.Record(T.String(), T.String()),
      raw: unsafe ? T.Unsafe<string>({ enum: ['a', 'b'] }) : T.String(),
      empty: T.Object({}),
    },
    { additionalProperties: false },
  );
}

describe("core's Type builders", () => {
  it('build the very schemas TypeBox builds, its symbols included', () => {
    const ours = sample(Type);
    const theirs = sample(TypeBox as unknown as typeof Type);
    expect(marked(ours)).toEqual(marked(theirs));
    expect(Object.getOwnPropertySymbols(ours.properties.count)).toEqual(
      Object.getOwnPropertySymbols(theirs.properties.count),
    );
  });

  it("are read by TypeBox's Value functions as TypeBox's own", () => {
    const schema = sample(Type, { unsafe: false });
    const value = Value.Default(schema, {
      name: 'n',
      ratio: 0.5,
      mode: 'auto',
      one: 'x',
      cleared: null,
      plain: { a: 'b' },
      raw: 'a',
      empty: {},
    });
    expect(value).toMatchObject({ count: 3, on: false, tags: [], extra: {} });
    expect([...Value.Errors(schema, value)]).toEqual([]);
    expect([...Value.Errors(schema, { ...(value as object), mode: 'manual' })].length).toBeGreaterThan(0);
  });

  it('refuse a record key they do not build as TypeBox does', () => {
    expect(() => Type.Record(Type.String({ pattern: '^a' }), Type.Unknown())).toThrow(/only a Type.String\(\) key/);
  });
});
