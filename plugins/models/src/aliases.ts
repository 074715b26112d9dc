import { Type } from '@switchyard/core';
import { routingOverridesSchema } from '@switchyard/core/config';
import type { Static } from '@sinclair/typebox';

/** One `models:` entry: a public name for ordered `instance/model` targets, with its own routing settings. */
const alias = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The public model name callers ask for.' }),
    targets: Type.Array(Type.String({ pattern: '^[^/]+/.+$' }), {
      minItems: 1,
      description: 'Ordered instance/model targets.',
    }),
    routing: Type.Optional(
      Type.Object(routingOverridesSchema.properties, {
        additionalProperties: false,
        description: "Core's `routing` settings for this alias's requests, over the top-level ones.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The top-level `models:` section: aliases, tried before any other way of resolving a name. */
export const aliasesSchema = Type.Array(alias, {
  default: [],
  description: 'Aliases: names tried before any other, each for ordered targets.',
});

export type AliasConfig = Static<typeof alias>;

/** The config's `models:` section (empty when it is absent or, in a config with problems, not a list). */
export function aliasesOf(config: object): readonly AliasConfig[] {
  const section = (config as { models?: unknown }).models;
  return Array.isArray(section) ? (section as AliasConfig[]) : [];
}
