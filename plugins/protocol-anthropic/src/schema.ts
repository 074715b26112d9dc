import { MAX_OUTPUT_TOKENS } from '@switchyard/core/protocol';

const blocks = {
  type: 'array',
  items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
} as const;

/**
 * One entry of `messages`: a user or assistant turn (content required), or — as today's clients
 * send them — a `system` entry carrying instructions at its place and/or a per-turn `output_config`.
 */
const message = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { enum: ['user', 'assistant', 'system'] },
    content: { anyOf: [{ type: 'string' }, blocks] },
    output_config: { type: ['object', 'null'] },
  },
  if: { properties: { role: { const: 'system' } } },
  then: { anyOf: [{ required: ['content'] }, { required: ['output_config'] }] },
  else: { required: ['content'] },
} as const;

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
    messages: { type: 'array', items: message },
    system: {
      anyOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['type', 'text'],
            properties: { type: { const: 'text' }, text: { type: 'string' } },
          },
        },
      ],
    },
    stream: { type: 'boolean' },
    stop_sequences: { type: 'array', items: { type: 'string' } },
    tools: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
    },
    tool_choice: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['auto', 'any', 'tool', 'none'] } },
    },
    thinking: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string' }, budget_tokens: { type: 'integer', minimum: 0 } },
    },
    output_config: { type: 'object', properties: { effort: { type: ['string', 'null'] } } },
    metadata: { type: 'object', properties: { user_id: { type: ['string', 'null'] } } },
    mcp_servers: { type: 'array', items: { type: 'object' } },
  },
} as const;

/** Anthropic count_tokens requests: like a Messages request, without max_tokens. */
export const countTokensRequestSchema = {
  ...messagesRequestSchema,
  required: ['model', 'messages'],
} as const;
