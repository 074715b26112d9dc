/**
 * Request checks for the mock's Chat Completions endpoint in strict mode (`strictChat`), imitating
 * what OpenAI (and strict compatible servers) refuse: unknown top-level fields, unknown message
 * roles and fields, content part types a role cannot have, tools not in the Chat Completions shape,
 * tool messages that answer no pending tool call (or calls left unanswered), `parallel_tool_calls`
 * without tools, `stream_options` without `stream`. Messages follow OpenAI's wording where known.
 */
import { isReasoningModel, samplesWithoutReasoning, strictSchemaProblem } from './mock-openai-responses-validate.js';

type Json = Record<string, any>;

export interface ChatProblem {
  message: string;
  param: string | null;
  code: string | null;
}

const FIELDS = new Set([
  'model',
  'messages',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_retention',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
]);
const MESSAGE_FIELDS: Record<string, Set<string>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'audio', 'function_call']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};
const PARTS: Record<string, string[]> = {
  system: ['text'],
  developer: ['text'],
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
  tool: ['text'],
};

/** The first problem with a Chat Completions body, or undefined when a strict server takes it. */
export function validateChatRequest(body: Json): ChatProblem | undefined {
  for (const key of Object.keys(body))
    if (!FIELDS.has(key)) return { message: `Unrecognized request argument supplied: ${key}`, param: key, code: null };
  if (body.stream_options != null && body.stream !== true)
    return {
      message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      param: 'stream_options',
      code: null,
    };
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : [];
  if (body.parallel_tool_calls != null && tools.length === 0)
    return {
      message:
        "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
      param: 'parallel_tool_calls',
      code: null,
    };
  for (const [i, tool] of tools.entries()) {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string')
      return {
        message: `Missing required parameter: 'tools[${i}].function'.`,
        param: `tools[${i}].function`,
        code: 'missing_required_parameter',
      };
  }
  const strict = strictSchemasProblem(body, tools);
  if (strict) return strict;
  if (
    body.tool_choice != null &&
    typeof body.tool_choice === 'object' &&
    !tools.some((t) => t.function.name === body.tool_choice.function?.name)
  ) {
    return {
      message: "Invalid value for 'tool_choice': the named function is not in 'tools'.",
      param: 'tool_choice',
      code: null,
    };
  }
  const pending = new Set<string>();
  for (const [i, message] of (body.messages as Json[]).entries()) {
    const at = `messages[${i}]`;
    const allowed = MESSAGE_FIELDS[message?.role];
    if (!allowed)
      return {
        message: `Invalid value: '${String(message?.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'developer'.`,
        param: `${at}.role`,
        code: 'invalid_value',
      };
    for (const key of Object.keys(message))
      if (!allowed.has(key))
        return { message: `Unrecognized request argument supplied: ${at}.${key}`, param: `${at}.${key}`, code: null };
    if (message.role !== 'tool' && pending.size)
      return {
        message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
        param: 'messages',
        code: null,
      };
    if (Array.isArray(message.content)) {
      for (const [j, part] of message.content.entries()) {
        if (!PARTS[message.role]!.includes(part?.type))
          return {
            message: `Invalid value: '${String(part?.type)}'. Supported values are: ${PARTS[message.role]!.map((p) => `'${p}'`).join(', ')}.`,
            param: `${at}.content[${j}].type`,
            code: 'invalid_value',
          };
      }
    } else if (message.content != null && typeof message.content !== 'string')
      return { message: `Invalid type for '${at}.content'.`, param: `${at}.content`, code: 'invalid_type' };
    if (message.role === 'assistant') {
      if (message.content == null && !message.tool_calls?.length)
        return {
          message: `Invalid value for '${at}.content': expected a string, got null.`,
          param: `${at}.content`,
          code: null,
        };
      for (const call of message.tool_calls ?? []) pending.add(call.id);
    }
    if (message.role === 'tool') {
      if (!pending.has(message.tool_call_id))
        return {
          message:
            "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          param: `${at}.role`,
          code: null,
        };
      pending.delete(message.tool_call_id);
    }
  }
  if (pending.size)
    return {
      message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
      param: 'messages',
      code: null,
    };
  return undefined;
}

/** `strict: true` function parameters and json_schema formats that OpenAI cannot enforce (see strictSchemaProblem). */
function strictSchemasProblem(body: Json, tools: Json[]): ChatProblem | undefined {
  for (const [i, tool] of tools.entries()) {
    const problem = tool.function.strict === true && strictSchemaProblem(tool.function.parameters, []);
    if (problem)
      return {
        message: `Invalid schema for function '${tool.function.name}': ${problem}`,
        param: `tools[${i}].function.parameters`,
        code: 'invalid_function_parameters',
      };
  }
  const format = body.response_format;
  if (format?.type !== 'json_schema' || format.json_schema?.strict !== true) return undefined;
  const problem = strictSchemaProblem(format.json_schema.schema, []);
  if (!problem) return undefined;
  return {
    message: `Invalid schema for response_format '${format.json_schema.name}': ${problem}`,
    param: 'response_format',
    code: null,
  };
}

const NON_REASONING = /^(gpt-4|gpt-3\.5|chatgpt-|gpt-5(\.\d+)?-chat)/;

/** Sampling fields a reasoning model takes only at their default value, and that default. */
const REASONING_SAMPLING_DEFAULTS = [
  ['temperature', 1],
  ['top_p', 1],
  ['presence_penalty', 0],
  ['frequency_penalty', 0],
] as const;

/**
 * Fields OpenAI's models refuse (whatever the strictness): its reasoning models (o-series,
 * gpt-5…) take `max_completion_tokens`, never `max_tokens`, and sampling fields only at their
 * defaults (gpt-5.1 and later take `temperature` and `top_p` with `reasoning_effort: none`); its
 * models that do not reason (gpt-4o, gpt-4.1, gpt-5-chat, gpt-3.5…) take no `reasoning_effort`.
 * Only the search models (`gpt-4o-search-preview`, `gpt-5-search-api`…) take `web_search_options`.
 * Compatible servers' models (llama…) take all of them. `model` is OpenAI's model name (on Azure,
 * the deployment's model).
 */
export function modelFieldProblem(body: Json, model: string): ChatProblem | undefined {
  const refused = (param: string, hint = ''): ChatProblem => ({
    message: `Unsupported parameter: '${param}' is not supported with this model.${hint}`,
    param,
    code: 'unsupported_parameter',
  });
  const openai = NON_REASONING.test(model) || isReasoningModel(model);
  if (openai && body.web_search_options != null && !/-search-/.test(model))
    return { message: 'Web search options not supported with this model.', param: 'web_search_options', code: null };
  if (NON_REASONING.test(model)) return body.reasoning_effort != null ? refused('reasoning_effort') : undefined;
  if (!isReasoningModel(model)) return undefined;
  if (body.max_tokens != null) return refused('max_tokens', " Use 'max_completion_tokens' instead.");
  const samples = samplesWithoutReasoning(model, body.reasoning_effort);
  for (const [param, fixed] of REASONING_SAMPLING_DEFAULTS) {
    const value = body[param];
    if (value == null || value === fixed || (samples && (param === 'temperature' || param === 'top_p'))) continue;
    return {
      message: `Unsupported value: '${param}' does not support ${value} with this model. Only the default (${fixed}) value is supported.`,
      param,
      code: 'unsupported_value',
    };
  }
  return undefined;
}
