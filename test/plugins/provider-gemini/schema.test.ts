import { describe, expect, it } from 'vitest';
import { toGeminiSchema } from '@switchyard/provider-gemini';

describe('toGeminiSchema', () => {
  it('converts types, nullable unions, const, oneOf and drops keywords outside the subset', () => {
    const { schema, dropped } = toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        city: { type: 'string', description: 'City name', minLength: 1, format: 'email' },
        unit: { type: ['string', 'null'], enum: ['c', 'f', null] },
        days: { type: 'integer', minimum: 1, exclusiveMaximum: 15 },
        kind: { const: 'forecast' },
        when: { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'number' }] },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, examples: [['a']] },
      },
      required: ['city', 'ghost'],
    });
    expect(schema).toEqual({
      type: 'OBJECT',
      properties: {
        city: { type: 'STRING', description: 'City name', minLength: 1 },
        unit: { type: 'STRING', nullable: true, enum: ['c', 'f'], format: 'enum' },
        days: { type: 'INTEGER', minimum: 1 },
        kind: { type: 'STRING', enum: ['forecast'], format: 'enum' },
        when: { anyOf: [{ type: 'STRING', format: 'date-time' }, { type: 'NUMBER' }] },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, example: ['a'] },
      },
      required: ['city'],
    });
    expect(dropped).toEqual([
      'additionalProperties',
      'exclusiveMaximum',
      'format(email)',
      'required(undeclared)',
      'uniqueItems',
    ]);
  });

  it('inlines local $refs, cuts recursion, merges allOf and orders properties when asked', () => {
    const { schema, dropped } = toGeminiSchema(
      {
        type: 'object',
        $defs: { node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/$defs/node' } } } },
        properties: {
          root: { $ref: '#/$defs/node', description: 'the root' },
          both: {
            allOf: [
              { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
              { properties: { b: { type: 'number' } } },
            ],
          },
        },
      },
      true,
    );
    expect(schema.propertyOrdering).toEqual(['root', 'both']);
    expect(schema.properties!.root).toMatchObject({
      type: 'OBJECT',
      description: 'the root',
      properties: { name: { type: 'STRING' }, child: { type: 'OBJECT' } },
    });
    expect(schema.properties!.both).toEqual({
      type: 'OBJECT',
      properties: { a: { type: 'STRING' }, b: { type: 'NUMBER' } },
      propertyOrdering: ['a', 'b'],
      required: ['a'],
    });
    expect(dropped).toEqual(['$ref(recursive #/$defs/node)', 'allOf(merged)']);
  });

  it('reports non-string enums instead of sending what Gemini refuses', () => {
    const { schema, dropped } = toGeminiSchema({ type: 'integer', enum: [1, 2] });
    expect(schema).toEqual({ type: 'INTEGER' });
    expect(dropped).toEqual(['enum(non-string)']);
  });
});
