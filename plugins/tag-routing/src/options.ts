/** Options of the tag-routing plugin (`plugins.tag-routing`). */
export interface TagRoutingOptions {
  /** Model names starting with it are tag queries. @default 'tag:' */
  prefix?: string;
  /** Derive tags from names and model information (sizes, context, vision, code, chat, free, mini). @default true */
  deriveTags?: boolean;
}

export type ResolvedOptions = Required<TagRoutingOptions>;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string', minLength: 1, default: 'tag:', description: 'Model names starting with it are tag queries.' },
    deriveTags: { type: 'boolean', default: true, description: 'Derive tags from model names and model information.' },
  },
} as const;
