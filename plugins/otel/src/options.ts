import { Type } from '@switchyard/core';
import type { Static } from '@sinclair/typebox';

/** Options of the otel plugin (`plugins.otel`). */
export const optionsSchema = Type.Object(
  {
    tracerName: Type.String({
      minLength: 1,
      default: '@switchyard/plugin-otel',
      description: 'Name of the tracer spans come from.',
    }),
    propagateUpstream: Type.Boolean({
      default: false,
      description:
        'Add W3C trace context (`traceparent`) to upstream requests, so upstream spans join the trace (only useful with upstreams that trace).',
    }),
    recordCaller: Type.Boolean({
      default: true,
      description: "Record the caller's key name on the request span as `switchyard.caller`.",
    }),
  },
  { additionalProperties: false },
);

/** The plugin's options, schema defaults filled. */
export type OtelOptions = Static<typeof optionsSchema>;
