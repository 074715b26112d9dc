import { MAX_OUTPUT_TOKENS } from '@switchyard/core';

/** Anthropic Messages requests: the fields the API itself requires, in its ranges; unknown fields pass on untouched. */
export const messagesRequestSchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    max_tokens: { type: 'integer', minimum: 1, maximum: MAX_OUTPUT_TOKENS },
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 0 },
    messages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['user', 'assistant'] },
          content: {
            anyOf: [
              { type: 'string' },
              { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
            ],
          },
        },
      },
    },
    system: {
      anyOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text: { type: 'string' } } } },
      ],
    },
    stream: { type: 'boolean' },
    stop_sequences: { type: 'array', items: { type: 'string' } },
    tools: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
    tool_choice: { type: 'object', required: ['type'], properties: { type: { enum: ['auto', 'any', 'tool', 'none'] } } },
  },
} as const;

/** Anthropic count_tokens requests: like a Messages request, without max_tokens. */
export const countTokensRequestSchema = {
  ...messagesRequestSchema,
  required: ['model', 'messages'],
} as const;
