/**
 * Request checks for the mock OpenAI Responses API (`POST /v1/responses`), imitating the real API:
 * unknown top-level fields, required fields, input item shapes (message roles and part types,
 * function_call / function_call_output pairing by call_id, reasoning items whose
 * `encrypted_content` must be one this mock issued), tool shapes (the Chat Completions tool
 * shape is refused), tool_choice, text.format, reasoning on non-reasoning models, sampling
 * parameters on reasoning models, the model's output-token limit, strict JSON schemas (function
 * parameters and text.format), metadata limits, and reasoning items sent apart from the item that
 * followed them in the output they came from.
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
const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
const ID_PATTERN = NAME_PATTERN;
const MAX_NAME_LENGTH = 64;
const MIN_OUTPUT_TOKENS = 16;
const MAX_TOP_LOGPROBS = 20;
const MAX_TOOLS = 128;
/** A function_call item's name may be longer than a tool's (128, against 64). */
const MAX_CALL_NAME_LENGTH = 128;
const METADATA = { properties: 16, keyLength: 64, valueLength: 512 };
const CACHE_RETENTIONS = ['in-memory', '24h'];
/** Part types a function_call_output / custom_tool_call_output array may hold. */
const TOOL_OUTPUT_PARTS = ['input_text', 'input_image', 'input_file', 'scoped_content'];

/** For each reasoning item this mock produced, the id of the output item right after it; and the other way round. */
const followerOf = new Map<string, string>();
const reasoningBefore = new Map<string, string>();

/** Remembers which item followed each reasoning item of a response's output (the API refuses them apart). */
export function recordReasoningOrder(output: Json[]): void {
  output.forEach((item, i) => {
    const next = output[i + 1];
    if (item.type !== 'reasoning' || typeof item.id !== 'string' || typeof next?.id !== 'string') return;
    followerOf.set(item.id, next.id);
    reasoningBefore.set(next.id, item.id);
  });
}

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
  const unknown = checkFields(body);
  if (unknown) return unknown;
  if (typeof body.model !== 'string' || body.model === '') return missing('model');
  const model: string = body.model;
  const previous = body.previous_response_id;
  const badPrevious = checkPrevious(previous, ctx);
  if (badPrevious) return badPrevious;
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
    ) ??
    checkReasoningOrder(Array.isArray(body.input) ? body.input : [])
  );
}

/** Fields the endpoint does not take; `reasoning_effort` gets OpenAI's pointer to where it moved. */
function checkFields(body: Json): ResponsesProblem | undefined {
  for (const key of Object.keys(body)) {
    if (key === 'reasoning_effort')
      return invalid(
        "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has moved to 'reasoning.effort'.",
        key,
        'unsupported_parameter',
      );
    if (!KNOWN_FIELDS.has(key)) return invalid(`Unknown parameter: '${key}'.`, key, 'unknown_parameter');
  }
  return undefined;
}

/** previous_response_id: an id's characters, and a stored response. */
function checkPrevious(previous: unknown, ctx: ResponsesValidationContext): ResponsesProblem | undefined {
  if (previous == null) return undefined;
  if (typeof previous !== 'string') return invalidType('previous_response_id', 'a string');
  if (!ID_PATTERN.test(previous))
    return invalid(
      `Invalid 'previous_response_id': '${previous}'. Expected an ID that contains letters, numbers, underscores, or dashes, but this value contained additional characters.`,
      'previous_response_id',
    );
  if (!ctx.hasResponse(previous))
    return {
      status: 400,
      message: `Previous response with id '${previous}' not found.`,
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    };
  return undefined;
}

function checkLimits(body: Json, model: string, ctx: ResponsesValidationContext): ResponsesProblem | undefined {
  const top = body.top_logprobs;
  if (top != null) {
    if (!Number.isInteger(top)) return invalidType('top_logprobs', 'an integer');
    if (top < 0 || top > MAX_TOP_LOGPROBS)
      return top < 0
        ? invalid(
            `Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got ${top} instead.`,
            'top_logprobs',
            'integer_below_min_value',
          )
        : invalid(
            `Invalid 'top_logprobs': integer above maximum value. Expected a value <= ${MAX_TOP_LOGPROBS}, but got ${top} instead.`,
            'top_logprobs',
            'integer_above_max_value',
          );
  }
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
  if (entries.length > METADATA.properties)
    return invalid(
      `Invalid 'metadata': too many properties. Expected an object with at most ${METADATA.properties} properties, but got an object with ${entries.length} properties instead.`,
      'metadata',
      'object_above_max_properties',
    );
  for (const [key, value] of entries) {
    if (key.length > METADATA.keyLength) return tooLong('metadata', key, METADATA.keyLength);
    if (typeof value !== 'string') return invalidType(`metadata.${key}`, 'a string');
    if (value.length > METADATA.valueLength) return tooLong(`metadata.${key}`, value, METADATA.valueLength);
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
    const badName = nameProblem(format.name, 'text.format.name');
    if (badName) return badName;
    if (!isObject(format.schema)) return missing('text.format.schema');
    if (format.strict === true) {
      const problem = strictSchemaProblem(format.schema, []);
      if (problem)
        return invalid(
          `Invalid schema for response_format '${format.name}': ${problem}`,
          'text.format.schema',
          'invalid_json_schema',
        );
    }
  }
  return undefined;
}

function checkTools(tools: unknown, prefix = 'tools'): ResponsesProblem | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) return invalidType(prefix, 'an array');
  if (tools.length > MAX_TOOLS)
    return invalid(
      `Invalid '${prefix}': array too long. Expected an array with maximum length ${MAX_TOOLS}, but got an array with length ${tools.length} instead.`,
      prefix,
      'array_above_max_length',
    );
  for (const [i, tool] of tools.entries()) {
    const at = `${prefix}[${i}]`;
    if (!isObject(tool)) return invalidType(at, 'an object');
    if (!TOOL_TYPES.has(tool.type)) return badEnum(`${at}.type`, tool.type, [...TOOL_TYPES]);
    if (tool.type === 'function') {
      // The Chat Completions shape ({type, function: {...}}) lands here without a top-level name.
      if (typeof tool.name !== 'string') return missing(`${at}.name`);
      const badName = nameProblem(tool.name, `${at}.name`);
      if (badName) return badName;
      if (tool.function !== undefined)
        return invalid(`Unknown parameter: '${at}.function'.`, `${at}.function`, 'unknown_parameter');
      if (tool.parameters != null && !isObject(tool.parameters)) return invalidType(`${at}.parameters`, 'an object');
      if (tool.strict != null && typeof tool.strict !== 'boolean') return invalidType(`${at}.strict`, 'a boolean');
      const problem = tool.strict === true && isObject(tool.parameters) && strictSchemaProblem(tool.parameters, []);
      if (problem)
        return invalid(
          `Invalid schema for function '${tool.name}': ${problem}`,
          `${at}.parameters`,
          'invalid_function_parameters',
        );
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
  if (body.prompt_cache_retention != null && !CACHE_RETENTIONS.includes(body.prompt_cache_retention))
    return badEnum('prompt_cache_retention', body.prompt_cache_retention, CACHE_RETENTIONS);
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
      if (item.name.length > MAX_CALL_NAME_LENGTH) return tooLong(`${at}.name`, item.name, MAX_CALL_NAME_LENGTH);
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
      return toolOutputProblem(item.output, `${at}.output`);
    case 'custom_tool_call':
      if (typeof item.call_id !== 'string') return missing(`${at}.call_id`);
      if (typeof item.name !== 'string') return missing(`${at}.name`);
      if (typeof item.input !== 'string') return missing(`${at}.input`);
      return undefined;
    case 'reasoning':
      if (!Array.isArray(item.summary)) return missing(`${at}.summary`);
      // An output-only field: a null one (as SDK models serialise it) is refused as unknown.
      if ('status' in item && item.status === null)
        return invalid(`Unknown parameter: '${at}.status'.`, `${at}.status`, 'unknown_parameter');
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

/** An array tool output holds input parts only (OpenAI names the part itself as param, not its type). */
function toolOutputProblem(output: string | unknown[], at: string): ResponsesProblem | undefined {
  if (typeof output === 'string') return undefined;
  for (const [j, part] of output.entries()) {
    const type = isObject(part) ? part.type : undefined;
    if (!TOOL_OUTPUT_PARTS.includes(type)) return badEnum(`${at}[${j}]`, type, TOOL_OUTPUT_PARTS);
  }
  return undefined;
}

/**
 * A reasoning item must come right before the item that followed it in the output it came from,
 * and that item right after it (by id; an item sent without its id does not count as the follower).
 */
function checkReasoningOrder(input: unknown[]): ResponsesProblem | undefined {
  const ids = input.map((item) => (isObject(item) && typeof item.id === 'string' ? item.id : undefined));
  for (const [i, id] of ids.entries()) {
    if (id === undefined) continue;
    const follower = followerOf.get(id);
    if (follower !== undefined && ids[i + 1] !== follower)
      return invalid(`Item '${id}' of type 'reasoning' was provided without its required following item.`, 'input');
    const reasoning = reasoningBefore.get(id);
    if (reasoning !== undefined && ids[i - 1] !== reasoning) {
      const type = String((input[i] as Json).type ?? 'message');
      return invalid(
        `Item '${id}' of type '${type}' was provided without its required 'reasoning' item: '${reasoning}'.`,
        'input',
      );
    }
  }
  return undefined;
}

/**
 * Why a schema cannot be used with `strict: true`, worded as OpenAI words it (`In context=(…), …`):
 * every object must set `additionalProperties: false` and list all its properties in `required`.
 */
export function strictSchemaProblem(schema: unknown, path: Array<string | number>): string | undefined {
  if (!isObject(schema)) return undefined;
  const context = `In context=${pythonTuple(path)}`;
  const type = schema.type;
  if (type === 'object' || (Array.isArray(type) && type.includes('object'))) {
    if (schema.additionalProperties !== false)
      return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
    const required: unknown[] = Array.isArray(schema.required) ? schema.required : [];
    const absent = Object.keys(isObject(schema.properties) ? schema.properties : {}).find((k) => !required.includes(k));
    if (absent !== undefined)
      return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${absent}'.`;
  }
  for (const [key, child] of subschemas(schema)) {
    const problem = strictSchemaProblem(child, [...path, ...key]);
    if (problem) return problem;
  }
  return undefined;
}

/** The schemas nested in a schema, each with its path below it. */
function subschemas(schema: Json): Array<[Array<string | number>, unknown]> {
  const nested: Array<[Array<string | number>, unknown]> = [];
  for (const group of ['properties', '$defs', 'definitions']) {
    if (isObject(schema[group]))
      for (const [name, child] of Object.entries(schema[group])) nested.push([[group, name], child]);
  }
  if (schema.items !== undefined) nested.push([['items'], schema.items]);
  for (const group of ['anyOf', 'allOf']) {
    if (Array.isArray(schema[group]))
      schema[group].forEach((child: unknown, i: number) => nested.push([[group, i], child]));
  }
  return nested;
}

/** A path as Python prints a tuple: `()`, `('items',)`, `('properties', 'a')`. */
function pythonTuple(path: Array<string | number>): string {
  const parts = path.map((p) => (typeof p === 'number' ? String(p) : `'${p}'`));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** A function or json_schema name: letters, digits, `_` and `-`, at most 64 characters. */
function nameProblem(name: string, param: string): ResponsesProblem | undefined {
  if (name.length > MAX_NAME_LENGTH) return tooLong(param, name, MAX_NAME_LENGTH);
  if (!NAME_PATTERN.test(name))
    return invalid(
      `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      param,
      'invalid_value',
    );
  return undefined;
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

function tooLong(param: string, value: string, max: number): ResponsesProblem {
  return invalid(
    `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${value.length} instead.`,
    param,
    'string_above_max_length',
  );
}

/** OpenAI lists the values as `'a' and 'b'` or `'a', 'b', and 'c'`. */
function badEnum(param: string, value: unknown, allowed: string[]): ResponsesProblem {
  const quoted = allowed.map((v) => `'${v}'`);
  const list = quoted.length <= 2 ? quoted.join(' and ') : `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)!}`;
  return invalid(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, param, 'invalid_value');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
