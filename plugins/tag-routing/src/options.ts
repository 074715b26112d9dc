import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

/** Options of the tag-routing plugin (`plugins.tag-routing`). */
export const optionsSchema = Type.Object(
  {
    prefix: Type.String({
      minLength: 1,
      default: 'tag:',
      description: 'Model names starting with it are tag queries.',
    }),
    deriveTags: Type.Boolean({
      default: true,
      description:
        'Derive tags from model names and model information; `false` keeps only name parts (the split of the name), configured tags, instance name and type, and catalog `tags`.',
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type TagRoutingOptions = Static<typeof optionsSchema>;
