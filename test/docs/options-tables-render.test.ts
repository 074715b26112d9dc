import { Type } from '@sinclair/typebox';
import { mapOf, stringEnum } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { optionRows, optionsTable, withSection } from '../../scripts/options-tables.mjs';

const limits = Type.Object(
  { perMinute: Type.Optional(Type.Integer({ minimum: 0, description: 'Requests per minute.' })) },
  { additionalProperties: false },
);

const schema = Type.Object({
  mode: stringEnum(['fast', 'safe'], { default: 'safe', description: 'How to run.' }),
  sources: Type.Array(stringEnum(['a', 'b']), { default: ['a'], description: 'Tried in order.' }),
  nested: Type.Object(
    {
      depth: Type.Integer({ default: 2, description: 'How deep.' }),
      label: Type.Optional(Type.String({ description: 'A | B.' })),
    },
    { default: {}, description: 'A nested object.' },
  ),
  perKey: mapOf(limits, { default: {}, description: 'Limits per key.' }),
  minima: mapOf(Type.Integer({ minimum: 1 }), { description: 'By prefix.' }),
  extra: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form.' })),
  keys: Type.Array(
    Type.Object({
      name: Type.String({ description: 'Its name.' }),
      admin: Type.Boolean({ default: false, description: 'Admin.' }),
    }),
    { description: 'Keys.' },
  ),
});

describe('options table rendering', () => {
  const rows = optionRows(schema);

  it('renders enums, arrays of enums and defaults as JSON', () => {
    expect(rows).toContain('| `mode` | "fast" \\| "safe" | `"safe"` | How to run. |');
    expect(rows).toContain('| `sources` | ("a" \\| "b")[] | `["a"]` | Tried in order. |');
  });

  it('flattens nested objects as parent.child, escaping pipes in descriptions', () => {
    expect(rows).toContain('| `nested` | object | `{}` | A nested object. |');
    expect(rows).toContain('| `nested.depth` | integer | `2` | How deep. |');
    expect(rows).toContain('| `nested.label` | string | — | A \\| B. |');
  });

  it('renders maps (additionalProperties, or the one pattern of Type.Record) with their entries as parent.<name>.child', () => {
    expect(rows).toContain('| `perKey` | map of object | `{}` | Limits per key. |');
    expect(rows).toContain('| `perKey.<name>.perMinute` | integer | — | Requests per minute. |');
    expect(rows).toContain('| `minima` | map of integer | required | By prefix. |');
    expect(rows).toContain('| `extra` | map of any | — | Free-form. |');
  });

  it('flattens arrays of objects as parent[].child and marks required fields without a default', () => {
    expect(rows).toContain('| `keys` | object[] | required | Keys. |');
    expect(rows).toContain('| `keys[].name` | string | required | Its name. |');
    expect(rows).toContain('| `keys[].admin` | boolean | `false` | Admin. |');
  });

  it('keeps the order of the schema, one row per option', () => {
    expect(rows.map((r: string) => r.split('`')[1])).toEqual([
      'mode',
      'sources',
      'nested',
      'nested.depth',
      'nested.label',
      'perKey',
      'perKey.<name>.perMinute',
      'minima',
      'extra',
      'keys',
      'keys[].name',
      'keys[].admin',
    ]);
  });

  it('says so when there is nothing to list', () => {
    expect(optionsTable(Type.Object({}))).toBe('This plugin has no options.');
    expect(optionsTable(Type.Object({}), 'field')).toBe('This provider type has no fields of its own.');
    expect(
      optionsTable(Type.Object({ a: Type.Boolean({ default: true, description: 'A.' }) }), 'field').split('\n')[0],
    ).toBe('| field | type | default | description |');
  });

  it('replaces only the text between its markers, and finds none where there are none', () => {
    const readme = 'intro\n<!-- options:begin -->\nold table\n<!-- options:end -->\noutro\n';
    const next = withSection(readme, 'options', 'new table');
    expect(next).toBe('intro\n<!-- options:begin -->\nnew table\n<!-- options:end -->\noutro\n');
    expect(withSection(next!, 'options', 'new table')).toBe(next);
    expect(withSection(readme, 'instance-fields', 'x')).toBeUndefined();
  });
});
