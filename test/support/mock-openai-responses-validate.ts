/**
 * Request checks for the mock OpenAI Responses API (`POST /v1/responses`), imitating the real API:
 * unknown top-level fields, required fields, input item shapes (message roles and part types,
 * function_call / function_call_output pairing by call_id, reasoning items whose
 * `encrypted_content` must be one this mock issued), tool shapes (the Chat Completions tool
 * shape is refused), tool_choice, text.format, reasoning on non-reasoning models, sampling
 * parameters on reasoning models, and the model's output-token limit.
 *
 * Messages follow OpenAI's wording where it is known (`Unknown parameter: 'x'.`,
 * `Missing required parameter: 'x'.`, `No tool call found for function call output with call_id
 * …`, `No tool output found for function call …`); each problem is the first one found.
 */
import { verifyEncryptedReasoning } from './mock-openai-reasoning.js';

type Json = Record<string, any>;

/** A refused request: HTTP status and OpenAI's error fields. */
export interface ResponsesProblem {
  status: number;
  message: string;
  param: string | null;
  code: string | null;
}

/** What validation needs to know beyond the body. */
export interface ResponsesValidationContext {
  /** The model's output-token limit, if the mock knows one. */
  outputLimit(model: string): number | undefined;
  /** Items of stored responses (store !== false), by item id, for item_reference and reasoning without encrypted_content. */
  storedItem(id: string): Json | undefined;
  /** Whether a stored response exists, for previous_response_id. */
  hasResponse(id: string): boolean;
  /** The items a previous response brings in front of `input` (its input and output), for call_id pairing. */
  previousItems(id: string): Json[];
}

/** The request fields `POST /v1/responses` accepts (the SDK's ResponseCreateParams), plus `client_metadata`, which Codex CLI sends and the real API takes. */
const KNOWN_FIELDS = new Set([
  'access_programs',
  'background',
  'background_options',
  'context_management',
  'conversation',
  'image',
  'include',
  'input',
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'model',
  'moderation',
  'parallel_tool_calls',
  'previous_response_id',
  'prompt',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'reasoning',
  'safety_identifier',
  'service_tier',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'truncation',
  'user',
  'client_metadata',
]);
const INCLUDABLE = new Set([
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
]);
const TOOL_TYPES = new Set([
  'function',
  'file_search',
  'computer',
  'computer_use_preview',
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
  'mcp',
  'code_interpreter',
  'programmatic_tool_calling',
  'image_generation',
  'local_shell',
  'shell',
  'custom',
  'namespace',
  'tool_search',
  'apply_patch',
]);
/** Item types accepted in `input` besides messages; each is checked for its `type` only unless handled below. */
const OTHER_ITEM_TYPES = new Set([
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'configuration_update',
  'compaction',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'compaction_trigger',
  'program',
  'program_output',
]);
const INPUT_PARTS = ['input_text', 'input_image', 'input_file', 'input_audio'];
const ASSISTANT_PARTS = ['output_text', 'refusal'];
const ROLES = ['user', 'assistant', 'system', 'developer'];
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];
const SUMMARIES = ['auto', 'concise', 'detailed'];
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MIN_OUTPUT_TOKENS = 16;

/** Models that reason (and so take `reasoning`, and refuse `temperature`/`top_p`); gpt-5-chat does not. */
export function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|gpt-6|codex-)/.test(model) && !/^gpt-5(\.\d+)?-chat/.test(model);
}

/** gpt-5.1 and later sample (take `temperature`, `top_p`) when told not to reason (`none`). */
export function samplesWithoutReasoning(model: string, effort: unknown): boolean {
  return effort === 'none' && /^gpt-(5\.[1-9]|[6-9])/.test(model);
}

/** The first problem with a `POST /v1/responses` body, or undefined when the real API would take it. */
export function validateResponsesRequest(body: unknown, ctx: ResponsesValidationContext): ResponsesProblem | undefined {
  if (!isObject(body))
    return invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
    );
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) return invalid(`Unknown parameter: '${key}'.`, key, 'unknown_parameter');
  }
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  const model: string = body.model;
  const previous = body.previous_response_id;
  if (previous != null) {
    if (typeof previous !== 'string') return invalidType('previous_response_id', 'a string');
    if (!ctx.hasResponse(previous))
      return {
        status: 400,
        message: `Previous response with id '${previous}' not found.`,
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      };
  }
  if (body.input === undefined && previous == null && body.prompt == null && body.conversation == null)
    return missing('input');
  if (body.input !== undefined && typeof body.input !== 'string' && !Array.isArray(body.input))
    return invalidType('input', 'a string or an array');
  for (const flag of ['stream', 'store', 'background', 'parallel_tool_calls']) {
    if (body[flag] != null && typeof body[flag] !== 'boolean') return invalidType(flag, 'a boolean');
  }
  if (body.stream_options != null && body.stream !== true)
    return invalid(
      "Invalid value for 'stream_options': stream_options is only allowed when 'stream' is true.",
      'stream_options',
      'invalid_value',
    );
  if (body.instructions != null && typeof body.instructions !== 'string')
    return invalidType('instructions', 'a string');
  return (
    checkLimits(body, model, ctx) ??
    checkSampling(body, model) ??
    checkInclude(body.include) ??
    checkMetadata(body.metadata) ??
    checkText(body.text) ??
    checkTools(body.tools) ??
    checkToolChoice(body.tool_choice, body.tools) ??
    checkEnums(body) ??
    checkInput(
      Array.isArray(body.input) ? body.input : [],
      previous == null ? [] : ctx.previousItems(previous),
      body.store !== false,
      ctx,
    )
  );
}

function checkLimits(body: Json, model: string, ctx: ResponsesValidationContext): ResponsesProblem | undefined {
  const max = body.max_output_tokens;
  if (max == null) return undefined;
  if (!Number.isInteger(max)) return invalidType('max_output_tokens', 'an integer');
  if (max < MIN_OUTPUT_TOKENS)
    return invalid(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${MIN_OUTPUT_TOKENS}, but got ${max} instead.`,
      'max_output_tokens',
      'integer_below_min_value',
    );
  const limit = ctx.outputLimit(model);
  if (limit !== undefined && max > limit) {
    return invalid(
      `max_output_tokens is too large: ${max}. This model supports at most ${limit} output tokens, whereas you provided ${max}.`,
      'max_output_tokens',
      'invalid_value',
    );
  }
  return undefined;
}

function checkSampling(body: Json, model: string): ResponsesProblem | undefined {
  const reasoning = isReasoningModel(model);
  if (!reasoning && isObject(body.reasoning) && (body.reasoning.effort != null || body.reasoning.summary != null)) {
    const field = body.reasoning.effort != null ? 'reasoning.effort' : 'reasoning.summary';
    return invalid(
      `Unsupported parameter: '${field}' is not supported with this model.`,
      field,
      'unsupported_parameter',
    );
  }
  for (const [key, max] of [
    ['temperature', 2],
    ['top_p', 1],
  ] as const) {
    const value = body[key];
    if (value == null) continue;
    if (reasoning && !samplesWithoutReasoning(model, isObject(body.reasoning) ? body.reasoning.effort : undefined))
      return invalid(`Unsupported parameter: '${key}' is not supported with this model.`, key, 'unsupported_parameter');
    if (typeof value !== 'number') return invalidType(key, 'a number');
    if (value < 0 || value > max)
      return invalid(
        `Invalid '${key}': decimal above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
        key,
        'decimal_above_max_value',
      );
  }
  if (isObject(body.reasoning)) {
    const { effort, summary } = body.reasoning;
    if (effort != null && !EFFORTS.includes(effort)) return badEnum('reasoning.effort', effort, EFFORTS);
    if (summary != null && !SUMMARIES.includes(summary)) return badEnum('reasoning.summary', summary, SUMMARIES);
  }
  return undefined;
}

function checkInclude(include: unknown): ResponsesProblem | undefined {
  if (include == null) return undefined;
  if (!Array.isArray(include)) return invalidType('include', 'an array');
  for (const [i, value] of include.entries()) {
    if (!INCLUDABLE.has(value)) return badEnum(`include[${i}]`, value, [...INCLUDABLE]);
  }
  return undefined;
}

function checkMetadata(metadata: unknown): ResponsesProblem | undefined {
  if (metadata == null) return undefined;
  if (!isObject(metadata)) return invalidType('metadata', 'an object');
  const entries = Object.entries(metadata);
  if (entries.length > 16)
    return invalid(
      `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return invalidType(`metadata.${key}`, 'a string');
    if (value.length > 512)
      return invalid(
        `Invalid 'metadata.${key}': string too long. Expected a string with maximum length 512, but got a string with length ${value.length} instead.`,
        `metadata.${key}`,
        'string_above_max_length',
      );
  }
  return undefined;
}

function checkText(text: unknown): ResponsesProblem | undefined {
  if (text == null) return undefined;
  if (!isObject(text)) return invalidType('text', 'an object');
  if (text.verbosity != null && !['low', 'medium', 'high'].includes(text.verbosity))
    return badEnum('text.verbosity', text.verbosity, ['low', 'medium', 'high']);
  const format = text.format;
  if (format == null) return undefined;
  if (!isObject(format) || !['text', 'json_object', 'json_schema'].includes(format.type))
    return badEnum('text.format.type', format?.type, ['text', 'json_object', 'json_schema']);
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string') return missing('text.format.name');
    if (!isObject(format.schema)) return missing('text.format.schema');
  }
  return undefined;
}

function checkTools(tools: unknown, prefix = 'tools'): ResponsesProblem | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) return invalidType(prefix, 'an array');
  for (const [i, tool] of tools.entries()) {
    const at = `${prefix}[${i}]`;
    if (!isObject(tool)) return invalidType(at, 'an object');
    if (!TOOL_TYPES.has(tool.type)) return badEnum(`${at}.type`, tool.type, [...TOOL_TYPES]);
    if (tool.type === 'function') {
      // The Chat Completions shape ({type, function: {...}}) lands here without a top-level name.
      if (typeof tool.name !== 'string') return missing(`${at}.name`);
      if (!FUNCTION_NAME.test(tool.name))
        return invalid(
          `Invalid '${at}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
          `${at}.name`,
          'invalid_value',
        );
      if (tool.function !== undefined)
        return invalid(`Unknown parameter: '${at}.function'.`, `${at}.function`, 'unknown_parameter');
      if (tool.parameters != null && !isObject(tool.parameters)) return invalidType(`${at}.parameters`, 'an object');
      if (tool.strict != null && typeof tool.strict !== 'boolean') return invalidType(`${at}.strict`, 'a boolean');
    }
    if (tool.type === 'custom' && typeof tool.name !== 'string') return missing(`${at}.name`);
    if (tool.type === 'namespace') {
      if (typeof tool.name !== 'string') return missing(`${at}.name`);
      const nested = checkTools(tool.tools, `${at}.tools`);
      if (nested) return nested;
    }
  }
  return undefined;
}

function checkToolChoice(choice: unknown, tools: unknown): ResponsesProblem | undefined {
  if (choice == null) return undefined;
  if (typeof choice === 'string')
    return ['none', 'auto', 'required'].includes(choice)
      ? undefined
      : badEnum('tool_choice', choice, ['none', 'auto', 'required']);
  if (!isObject(choice)) return invalidType('tool_choice', 'a string or an object');
  if (choice.type === 'function') {
    if (typeof choice.name !== 'string') return missing('tool_choice.name');
    const names = (Array.isArray(tools) ? tools : []).filter((t) => t?.type === 'function').map((t) => t.name);
    if (!names.includes(choice.name))
      return invalid(`Tool choice 'function' not found in 'tools' parameter.`, 'tool_choice', null);
  }
  return undefined;
}

function checkEnums(body: Json): ResponsesProblem | undefined {
  if (body.truncation != null && !['auto', 'disabled'].includes(body.truncation))
    return badEnum('truncation', body.truncation, ['auto', 'disabled']);
  const tiers = ['auto', 'default', 'flex', 'scale', 'priority'];
  if (body.service_tier != null && !tiers.includes(body.service_tier))
    return badEnum('service_tier', body.service_tier, tiers);
  for (const key of ['prompt_cache_key', 'safety_identifier', 'user']) {
    if (body[key] != null && typeof body[key] !== 'string') return invalidType(key, 'a string');
  }
  return undefined;
}

/** Item shapes, and tool-call pairing across `previous` (a previous response's items) and `input`. */
function checkInput(
  input: unknown[],
  previous: Json[],
  store: boolean,
  ctx: ResponsesValidationContext,
): ResponsesProblem | undefined {
  const calls = new Map<string, string>(); // call_id → kind of its output ('function_call_output' | 'custom_tool_call_output')
  const answered = new Set<string>();
  for (const item of previous) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call')
      calls.set(item.call_id, `${item.type}_output`);
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') answered.add(item.call_id);
  }
  for (const [i, raw] of input.entries()) {
    const at = `input[${i}]`;
    if (!isObject(raw)) return invalidType(at, 'an object');
    const item = raw.type === 'item_reference' ? ctx.storedItem(String(raw.id)) : raw;
    if (raw.type === 'item_reference' && !item) return itemNotFound(String(raw.id), store);
    const problem = itemProblem(item!, at, store, ctx);
    if (problem) return problem;
    if (item!.type === 'function_call' || item!.type === 'custom_tool_call')
      calls.set(item!.call_id, `${item!.type}_output`);
    if (item!.type === 'function_call_output' || item!.type === 'custom_tool_call_output') {
      if (calls.get(item!.call_id) !== item!.type) {
        const kind = item!.type === 'function_call_output' ? 'function call output' : 'custom tool call output';
        return invalid(`No tool call found for ${kind} with call_id ${item!.call_id}.`, 'input', null);
      }
      answered.add(item!.call_id);
    }
  }
  for (const [callId, kind] of calls) {
    if (!answered.has(callId)) {
      return invalid(
        `No tool output found for ${kind === 'function_call_output' ? 'function call' : 'custom tool call'} ${callId}.`,
        'input',
        null,
      );
    }
  }
  return undefined;
}

function itemProblem(
  item: Json,
  at: string,
  store: boolean,
  ctx: ResponsesValidationContext,
): ResponsesProblem | undefined {
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  switch (type) {
    case 'message':
      return messageProblem(item, at);
    case 'function_call':
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (typeof item.name !== 'string') return missing(`${at}.name`);
      if (typeof item.arguments !== 'string')
        return typeof item.arguments === 'undefined'
          ? missing(`${at}.arguments`)
          : invalidType(`${at}.arguments`, 'a string');
      return undefined;
    case 'function_call_output':
    case 'custom_tool_call_output':
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (item.output === undefined) return missing(`${at}.output`);
      if (typeof item.output !== 'string' && !Array.isArray(item.output))
        return invalidType(`${at}.output`, 'a string or an array');
      return undefined;
    case 'custom_tool_call':
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (typeof item.name !== 'string') return missing(`${at}.name`);
      if (typeof item.input !== 'string') return missing(`${at}.input`);
      return undefined;
    case 'reasoning':
      if (!Array.isArray(item.summary)) return missing(`${at}.summary`);
      if (item.encrypted_content != null) {
        return verifyEncryptedReasoning(String(item.encrypted_content))
          ? undefined
          : invalid(
              `The encrypted content for item ${String(item.id)} could not be verified.`,
              `${at}.encrypted_content`,
              'invalid_encrypted_content',
            );
      }
      // Without encrypted_content the API looks the item up among stored responses.
      return typeof item.id === 'string' && ctx.storedItem(item.id) ? undefined : itemNotFound(String(item.id), store);
    default:
      if (typeof type === 'string' && OTHER_ITEM_TYPES.has(type)) return undefined;
      return invalid(
        `Invalid value: '${String(type)}'. Supported values are: 'message', 'function_call', 'function_call_output', 'reasoning', 'item_reference', … .`,
        `${at}.type`,
        'invalid_value',
      );
  }
}

function messageProblem(item: Json, at: string): ResponsesProblem | undefined {
  if (!ROLES.includes(item.role)) return badEnum(`${at}.role`, item.role, ROLES);
  if (typeof item.content === 'string') return undefined;
  if (!Array.isArray(item.content)) return missing(`${at}.content`);
  const allowed = item.role === 'assistant' ? ASSISTANT_PARTS : INPUT_PARTS;
  for (const [j, part] of item.content.entries()) {
    const where = `${at}.content[${j}]`;
    if (!isObject(part)) return invalidType(where, 'an object');
    if (!allowed.includes(part.type)) return badEnum(`${where}.type`, part.type, allowed);
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text !== 'string')
      return missing(`${where}.text`);
    if (part.type === 'input_image' && typeof part.image_url !== 'string' && typeof part.file_id !== 'string')
      return missing(`${where}.image_url`);
    if (part.type === 'input_file' && [part.file_data, part.file_id, part.file_url].every((v) => typeof v !== 'string'))
      return missing(`${where}.file_data`);
    if (part.type === 'refusal' && typeof part.refusal !== 'string') return missing(`${where}.refusal`);
  }
  return undefined;
}

function itemNotFound(id: string, store: boolean): ResponsesProblem {
  const hint = store
    ? ''
    : ' Items are not persisted when `store` is set to false. Try again with `store` set to true, or remove this item from your input.';
  return { status: 404, message: `Item with id '${id}' not found.${hint}`, param: 'input', code: null };
}

function invalid(message: string, param: string | null, code: string | null = null): ResponsesProblem {
  return { status: 400, message, param, code };
}

function missing(param: string): ResponsesProblem {
  return invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

function invalidType(param: string, expected: string): ResponsesProblem {
  return invalid(`Invalid type for '${param}': expected ${expected}.`, param, 'invalid_type');
}

function badEnum(param: string, value: unknown, allowed: string[]): ResponsesProblem {
  const list = allowed.map((v) => `'${v}'`).join(', ');
  return invalid(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, param, 'invalid_value');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
