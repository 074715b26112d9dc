import { MAX_OUTPUT_TOKENS } from '@switchyard/core/protocol';

const item = { type: 'object', properties: { type: { type: 'string' } } } as const;

/**
 * `POST /v1/responses` bodies: the fields the API itself checks, in its ranges (OpenAI's minimum
 * `max_output_tokens` is 16); unknown fields pass on untouched to a Responses upstream.
 */
export const responsesRequestSchema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: { anyOf: [{ type: 'string' }, { type: 'array', items: item }] },
    instructions: { type: ['string', 'null'] },
    stream: { type: ['boolean', 'null'] },
    store: { type: ['boolean', 'null'] },
    background: { type: ['boolean', 'null'] },
    parallel_tool_calls: { type: ['boolean', 'null'] },
    previous_response_id: { type: ['string', 'null'], minLength: 1 },
    max_output_tokens: { type: ['integer', 'null'], minimum: 16, maximum: MAX_OUTPUT_TOKENS },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    include: { type: ['array', 'null'], items: { type: 'string' } },
    metadata: { type: ['object', 'null'], maxProperties: 16, additionalProperties: { type: 'string', maxLength: 512 } },
    tools: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
    tool_choice: {
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      ],
    },
    text: {
      type: ['object', 'null'],
      properties: {
        format: {
          type: 'object',
          required: ['type'],
          properties: { type: { enum: ['text', 'json_object', 'json_schema'] } },
          if: { properties: { type: { const: 'json_schema' } } },
          then: {
            required: ['type', 'name', 'schema'],
            properties: { name: { type: 'string', minLength: 1 }, schema: { type: 'object' } },
          },
        },
        verbosity: { enum: ['low', 'medium', 'high', null] },
      },
    },
    reasoning: {
      type: ['object', 'null'],
      properties: {
        effort: { enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', null] },
        summary: { enum: ['auto', 'concise', 'detailed', null] },
      },
    },
    truncation: { enum: ['auto', 'disabled', null] },
    service_tier: { enum: ['auto', 'default', 'flex', 'scale', 'priority', null] },
    prompt_cache_key: { type: 'string' },
    safety_identifier: { type: 'string' },
    user: { type: 'string' },
  },
} as const;
