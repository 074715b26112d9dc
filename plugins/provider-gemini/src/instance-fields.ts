import type { Static } from '@sinclair/typebox';
import { stringEnum, Type } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';

/** Fields a `type: gemini` provider entry may add to the common ones. */
export const instanceFields = Type.Object(
  {
    apiVersion: Type.String({
      default: 'v1beta',
      description: 'API version path segment: `{baseUrl}/{apiVersion}/models/{model}:generateContent`.',
    }),
    jsonSchema: stringEnum(['convert', 'native'], {
      default: 'convert',
      description:
        '`convert`: tool and response JSON Schemas are turned into the OpenAPI subset every Gemini model accepts (`parameters`, `responseSchema`), dropped keywords named in warnings. `native`: sent unchanged as `parametersJsonSchema` / `responseJsonSchema` (Gemini 2.5 and later).',
    }),
    includeThoughts: Type.Boolean({
      default: false,
      description:
        'With `reasoning_effort`, ask Gemini for thought summaries and return them as `reasoning_content`. Callers that show reasoning (a Responses `reasoning.summary`) get them without this.',
    }),
  },
  { additionalProperties: false },
);

/** Per-instance fields a `type: gemini` provider entry may set, defaults filled. */
export type GeminiInstanceOptions = Static<typeof instanceFields>;

/** The instance's own fields, checked and with defaults (read once per instance). */
export const geminiOptions = instanceOptions(instanceFields);
