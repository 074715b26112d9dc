/**
 * Request validation for the mock Gemini upstream, imitating the Gemini API (v1beta): the body is
 * parsed as a protobuf message (unknown field → 400 "Invalid JSON payload received. Unknown name
 * …: Cannot find field.", camelCase and snake_case names both accepted, enum names exact), then
 * checked the way generateContent checks it (contents required, roles user/model, non-empty parts,
 * function call / response turn pairing, base64 inline data, function names, schema subset rules,
 * empty text parts, response MIME types, sampling ranges, the thinking config each model family
 * takes, and JSON output beside function calling before Gemini 3). Messages follow the real API's
 * where known; the few marked (mock) are worded by the mock.
 */

type Json = Record<string, unknown>;

/** A failed check: HTTP 400 INVALID_ARGUMENT with this message (and, for unknown fields, field violations). */
export interface Invalid {
  message: string;
  violations?: Array<{ field: string; description: string }>;
}

interface Shape {
  [field: string]: Shape | 'scalar' | 'map-scalar' | ['list', Shape | 'scalar'] | ['map', Shape] | 'any';
}

const SCHEMA: Shape = {};
Object.assign(SCHEMA, {
  type: 'scalar',
  format: 'scalar',
  title: 'scalar',
  description: 'scalar',
  nullable: 'scalar',
  enum: ['list', 'scalar'],
  maxItems: 'scalar',
  minItems: 'scalar',
  properties: ['map', SCHEMA],
  required: ['list', 'scalar'],
  minProperties: 'scalar',
  maxProperties: 'scalar',
  minLength: 'scalar',
  maxLength: 'scalar',
  pattern: 'scalar',
  example: 'any',
  anyOf: ['list', SCHEMA],
  propertyOrdering: ['list', 'scalar'],
  default: 'any',
  items: SCHEMA,
  minimum: 'scalar',
  maximum: 'scalar',
});

const PART: Shape = {
  text: 'scalar',
  thought: 'scalar',
  thoughtSignature: 'scalar',
  inlineData: { mimeType: 'scalar', data: 'scalar' },
  fileData: { mimeType: 'scalar', fileUri: 'scalar' },
  functionCall: { id: 'scalar', name: 'scalar', args: 'any' },
  functionResponse: { id: 'scalar', name: 'scalar', response: 'any', willContinue: 'scalar', scheduling: 'scalar' },
  executableCode: 'any',
  codeExecutionResult: 'any',
  videoMetadata: 'any',
};
const CONTENT: Shape = { role: 'scalar', parts: ['list', PART] };

const GENERATE: Shape = {
  contents: ['list', CONTENT],
  systemInstruction: CONTENT,
  tools: [
    'list',
    {
      functionDeclarations: [
        'list',
        {
          name: 'scalar',
          description: 'scalar',
          parameters: SCHEMA,
          parametersJsonSchema: 'any',
          response: SCHEMA,
          responseJsonSchema: 'any',
          behavior: 'scalar',
        },
      ],
      googleSearch: 'any',
      googleSearchRetrieval: 'any',
      codeExecution: 'any',
      urlContext: 'any',
    },
  ],
  toolConfig: { functionCallingConfig: { mode: 'scalar', allowedFunctionNames: ['list', 'scalar'] } },
  safetySettings: ['list', { category: 'scalar', threshold: 'scalar' }],
  cachedContent: 'scalar',
  generationConfig: {
    stopSequences: ['list', 'scalar'],
    responseMimeType: 'scalar',
    responseSchema: SCHEMA,
    responseJsonSchema: 'any',
    responseModalities: ['list', 'scalar'],
    candidateCount: 'scalar',
    maxOutputTokens: 'scalar',
    temperature: 'scalar',
    topP: 'scalar',
    topK: 'scalar',
    seed: 'scalar',
    presencePenalty: 'scalar',
    frequencyPenalty: 'scalar',
    responseLogprobs: 'scalar',
    logprobs: 'scalar',
    mediaResolution: 'scalar',
    speechConfig: 'any',
    thinkingConfig: { includeThoughts: 'scalar', thinkingBudget: 'scalar', thinkingLevel: 'scalar' },
  },
};

const EMBED: Shape = {
  model: 'scalar',
  content: CONTENT,
  taskType: 'scalar',
  title: 'scalar',
  outputDimensionality: 'scalar',
};
const BATCH_EMBED: Shape = { requests: ['list', EMBED] };

const TYPES = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);
const MODES = new Set(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']);
const RESPONSE_MIME_TYPES = new Set([
  'text/plain',
  'application/json',
  'application/xml',
  'application/yaml',
  'text/x.enum',
]);
/** GenerationConfig's int32 fields (proto JSON refuses a fractional value for them). */
const INT32_FIELDS: Array<[string, string]> = [
  ['candidateCount', 'candidate_count'],
  ['maxOutputTokens', 'max_output_tokens'],
  ['topK', 'top_k'],
  ['seed', 'seed'],
  ['logprobs', 'logprobs'],
];
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const camel = (key: string): string => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Proto JSON parsing: rewrites snake_case keys to camelCase in place and lists unknown fields the
 * way the API does (`at 'tools[0].function_declarations[0].parameters'`).
 */
function parseShape(value: unknown, shape: Shape, path: string, out: Invalid['violations'] & object): void {
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const name = camel(key);
    if (name !== key) {
      value[name] = value[key];
      delete value[key];
    }
    const spec = shape[name];
    const here = path ? `${path}.${snake(name)}` : snake(name);
    if (spec === undefined) {
      const at = path ? ` at '${path}'` : '';
      out.push({
        field: path,
        description: `Invalid JSON payload received. Unknown name "${key}"${at}: Cannot find field.`,
      });
      continue;
    }
    const child = value[name];
    if (spec === 'scalar' || spec === 'any' || spec === 'map-scalar') continue;
    if (Array.isArray(spec)) {
      if (spec[0] === 'list' && Array.isArray(child)) {
        child.forEach((item, i) => spec[1] !== 'scalar' && parseShape(item, spec[1], `${here}[${i}]`, out));
      } else if (spec[0] === 'map' && isObject(child)) {
        Object.values(child).forEach((item, i) => parseShape(item, spec[1] as Shape, `${here}[${i}].value`, out));
      }
      continue;
    }
    parseShape(child, spec, here, out);
  }
}

function unknownFields(body: Json, shape: Shape): Invalid | undefined {
  const violations: NonNullable<Invalid['violations']> = [];
  parseShape(body, shape, '', violations);
  if (violations.length === 0) return undefined;
  return { message: violations.map((v) => v.description).join('\n'), violations };
}

/** Collects "* Request.path: message" lines, as the API reports semantic problems. */
class Problems {
  readonly lines: string[] = [];
  constructor(private readonly request: string) {}
  add(path: string, message: string): void {
    this.lines.push(`* ${this.request}.${path}: ${message}\n`);
  }
  result(): Invalid | undefined {
    return this.lines.length ? { message: this.lines.join('') } : undefined;
  }
}

/** Options that change what the mock demands. */
export interface ValidateOptions {
  /** Model function-call parts must carry a thoughtSignature (Gemini 3 behaviour). */
  requireThoughtSignatures: boolean;
  /** The model id asked for (e.g. `gemini-2.5-pro`): per-family rules (topK, thinking config) apply to known families. */
  model?: string;
}

/** Validates a generateContent body (mutating snake_case keys to camelCase). */
export function validateGenerate(body: unknown, options: ValidateOptions): Invalid | undefined {
  if (!isObject(body)) return { message: 'Invalid JSON payload received. Unexpected token.' };
  const unknown = unknownFields(body, GENERATE);
  if (unknown) return unknown;
  const enums = checkEnums(body) ?? checkIntegers(body);
  if (enums) return enums;

  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0)
    return { message: '* GenerateContentRequest.contents: contents is not specified\n' };
  for (const content of contents as Json[]) {
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      return { message: 'Please use a valid role: user, model.' };
    }
  }
  const p = new Problems('GenerateContentRequest');
  (contents as Json[]).forEach((content, i) => checkParts(content.parts, `contents[${i}]`, p));
  if (isObject(body.systemInstruction)) checkParts(body.systemInstruction.parts, 'system_instruction', p);
  const declared = checkTools(body.tools, p);
  checkToolConfig(body.toolConfig, declared, p);
  checkGenerationConfig(body.generationConfig, p);
  const problems = p.result();
  if (problems) return problems;
  const empty = emptyText([
    ...(contents as Json[]),
    ...(isObject(body.systemInstruction) ? [body.systemInstruction] : []),
  ]);
  if (empty) return empty;
  const sampling = checkSampling(body.generationConfig, options.model ?? '');
  if (sampling) return sampling;
  const thinking = checkThinking(body.generationConfig, options.model ?? '');
  if (thinking) return thinking;
  const jsonWithTools = checkJsonWithFunctions(body, options.model ?? '');
  if (jsonWithTools) return jsonWithTools;
  const search = checkSearchTools(body, options.model ?? '');
  if (search) return search;
  return checkTurns(contents as Json[], options);
}

/**
 * Grounding with Google Search: `googleSearch` beside function declarations is refused (the API
 * takes search tools together only with other search tools); the older `googleSearchRetrieval`
 * is refused by Gemini 2.0 and later, which name `google_search` instead.
 */
function checkSearchTools(body: Json, model: string): Invalid | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]).filter(isObject) : [];
  if (tools.some((t) => t.googleSearchRetrieval !== undefined) && !/^gemini-1\./.test(model))
    return { message: 'google_search_retrieval is not supported. Please use google_search tool instead.' };
  const searches = tools.some((t) => t.googleSearch !== undefined);
  const declares = tools.some((t) => Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0);
  if (searches && declares) return { message: 'Tool use with function calling is unsupported by the model.' };
  return undefined;
}

/**
 * JSON output with function calling: models before Gemini 3 refuse the two together unless
 * function calling is off (mode NONE); Gemini 3 takes them.
 */
function checkJsonWithFunctions(body: Json, model: string): Invalid | undefined {
  const config = body.generationConfig;
  if (!isObject(config) || config.responseMimeType !== 'application/json' || /^gemini-[3-9]/.test(model))
    return undefined;
  const declares =
    Array.isArray(body.tools) &&
    body.tools.some((t) => isObject(t) && Array.isArray(t.functionDeclarations) && t.functionDeclarations.length > 0);
  const mode =
    isObject(body.toolConfig) && isObject(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig.mode
      : undefined;
  if (!declares || mode === 'NONE') return undefined;
  return { message: "Function calling with a response mime type: 'application/json' is unsupported" };
}

/** Validates embedContent / batchEmbedContents bodies. */
export function validateEmbed(body: unknown, batch: boolean, model: string): Invalid | undefined {
  if (!isObject(body)) return { message: 'Invalid JSON payload received. Unexpected token.' };
  const unknown = unknownFields(body, batch ? BATCH_EMBED : EMBED);
  if (unknown) return unknown;
  const request = batch ? 'BatchEmbedContentsRequest' : 'EmbedContentRequest';
  const p = new Problems(request);
  const items = batch ? body.requests : [body];
  if (!Array.isArray(items) || items.length === 0)
    return { message: `* ${request}.requests: requests is not specified\n` };
  (items as Json[]).forEach((item, i) => {
    const at = batch ? `requests[${i}].` : '';
    if (batch && item.model !== `models/${model}`) {
      p.add(`${at}model`, `Model mismatch (mock): expected models/${model}, got ${JSON.stringify(item.model)}`);
    }
    if (!isObject(item.content)) p.add(`${at}content`, 'content is not specified');
    else checkParts(item.content.parts, `${at}content`, p);
  });
  return p.result();
}

function checkEnums(body: Json): Invalid | undefined {
  const bad: string[] = [];
  const walkSchema = (schema: unknown, path: string): void => {
    if (!isObject(schema)) return;
    if (schema.type !== undefined && !TYPES.has(String(schema.type))) {
      bad.push(
        `Invalid value at '${path}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(schema.type)}`,
      );
    }
    if (isObject(schema.properties))
      Object.values(schema.properties).forEach((c, i) => walkSchema(c, `${path}.properties[${i}].value`));
    if (schema.items) walkSchema(schema.items, `${path}.items`);
    if (Array.isArray(schema.anyOf)) schema.anyOf.forEach((c, i) => walkSchema(c, `${path}.any_of[${i}]`));
  };
  (Array.isArray(body.tools) ? (body.tools as Json[]) : []).forEach((tool, t) => {
    (Array.isArray(tool.functionDeclarations) ? (tool.functionDeclarations as Json[]) : []).forEach((fd, f) =>
      walkSchema(fd.parameters, `tools[${t}].function_declarations[${f}].parameters`),
    );
  });
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  walkSchema(config.responseSchema, 'generation_config.response_schema');
  const mode =
    isObject(body.toolConfig) && isObject(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig.mode
      : undefined;
  if (mode !== undefined && !MODES.has(String(mode))) {
    bad.push(
      `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), ${JSON.stringify(mode)}`,
    );
  }
  return bad.length ? { message: bad.join('\n') } : undefined;
}

function checkParts(parts: unknown, path: string, p: Problems): void {
  if (!Array.isArray(parts) || parts.length === 0) {
    p.add(`${path}.parts`, 'contents.parts must not be empty.');
    return;
  }
  (parts as Json[]).forEach((part, i) => {
    const at = `${path}.parts[${i}]`;
    const data = [
      'text',
      'inlineData',
      'fileData',
      'functionCall',
      'functionResponse',
      'executableCode',
      'codeExecutionResult',
    ].filter((k) => part[k] !== undefined);
    if (data.length === 0) p.add(`${at}.data`, "required oneof field 'data' must have one initialized field");
    if (data.length > 1) p.add(`${at}.data`, `oneof field 'data' is already set. Cannot set '${data[1]}'`);
    if (isObject(part.inlineData)) {
      const { mimeType, data: bytes } = part.inlineData;
      if (typeof mimeType !== 'string' || !mimeType)
        p.add(`${at}.inline_data.mime_type`, 'mime_type is required (mock)');
      if (typeof bytes !== 'string' || !BASE64.test(bytes) || bytes.length % 4 === 1) {
        p.add(
          `${at}.inline_data.data`,
          `Invalid value (TYPE_BYTES), Base64 decoding failed for "${String(bytes).slice(0, 40)}"`,
        );
      }
    }
    if (isObject(part.fileData) && typeof part.fileData.fileUri !== 'string')
      p.add(`${at}.file_data.file_uri`, 'file_uri is required (mock)');
    if (isObject(part.functionCall) && typeof part.functionCall.name !== 'string')
      p.add(`${at}.function_call.name`, 'Name is empty.');
    if (isObject(part.functionResponse)) {
      if (typeof part.functionResponse.name !== 'string') p.add(`${at}.function_response.name`, 'Name is empty.');
      if (!isObject(part.functionResponse.response))
        p.add(`${at}.function_response.response`, 'response must be a JSON object (mock)');
    }
  });
}

function checkTools(tools: unknown, p: Problems): Set<string> {
  const declared = new Set<string>();
  (Array.isArray(tools) ? (tools as Json[]) : []).forEach((tool, t) => {
    (Array.isArray(tool.functionDeclarations) ? (tool.functionDeclarations as Json[]) : []).forEach((fd, f) => {
      const at = `tools[${t}].function_declarations[${f}]`;
      const name = String(fd.name ?? '');
      if (!FUNCTION_NAME.test(name)) {
        p.add(
          `${at}.name`,
          '[FIELD_INVALID] Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.',
        );
      }
      declared.add(name);
      if (fd.parameters !== undefined && fd.parametersJsonSchema !== undefined) {
        p.add(`${at}`, 'parameters and parameters_json_schema are mutually exclusive (mock)');
      }
      if (fd.parameters !== undefined) checkSchema(fd.parameters, `${at}.parameters`, p, true);
    });
  });
  return declared;
}

/** The subset's semantic rules: OBJECT parameters need properties, required names must be declared, formats per type. */
function checkSchema(schema: unknown, path: string, p: Problems, top = false): void {
  if (!isObject(schema)) return;
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  if (top && schema.type === 'OBJECT' && (!properties || Object.keys(properties).length === 0)) {
    p.add(`${path}.properties`, 'should be non-empty for OBJECT type');
  }
  if (Array.isArray(schema.required)) {
    schema.required.forEach((r, i) => {
      if (!properties || !(String(r) in properties)) p.add(`${path}.required[${i}]`, 'property is not defined');
    });
  }
  if (
    schema.type === 'STRING' &&
    schema.format !== undefined &&
    schema.format !== 'enum' &&
    schema.format !== 'date-time'
  ) {
    p.add(`${path}.format`, "only 'enum' and 'date-time' are supported for STRING type");
  }
  if (schema.enum !== undefined && schema.type !== 'STRING') p.add(`${path}.enum`, 'only allowed for STRING type');
  if (properties)
    Object.entries(properties).forEach(([key, child]) => checkSchema(child, `${path}.properties[${key}].value`, p));
  if (schema.items !== undefined) checkSchema(schema.items, `${path}.items`, p);
  if (Array.isArray(schema.anyOf)) schema.anyOf.forEach((c, i) => checkSchema(c, `${path}.any_of[${i}]`, p));
}

function checkToolConfig(toolConfig: unknown, declared: Set<string>, p: Problems): void {
  const fcc =
    isObject(toolConfig) && isObject(toolConfig.functionCallingConfig) ? toolConfig.functionCallingConfig : undefined;
  if (!fcc || !Array.isArray(fcc.allowedFunctionNames)) return;
  if (fcc.mode !== 'ANY')
    p.add(
      'tool_config.function_calling_config.allowed_function_names',
      'allowed_function_names is only allowed when mode is ANY (mock)',
    );
  for (const name of fcc.allowedFunctionNames) {
    if (!declared.has(String(name)))
      p.add(
        'tool_config.function_calling_config.allowed_function_names',
        `function ${String(name)} is not declared (mock)`,
      );
  }
}

function checkGenerationConfig(config: unknown, p: Problems): void {
  if (!isObject(config)) return;
  if (Array.isArray(config.stopSequences) && config.stopSequences.length > 5)
    p.add('generation_config.stop_sequences', 'at most 5 stop sequences are allowed (mock)');
  if (typeof config.candidateCount === 'number' && (config.candidateCount < 1 || config.candidateCount > 8)) {
    p.add('generation_config.candidate_count', 'must be in [1, 8] (mock)');
  }
  if (config.responseMimeType !== undefined && !RESPONSE_MIME_TYPES.has(String(config.responseMimeType))) {
    p.add(
      'generation_config.response_mime_type',
      'allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.',
    );
  } else if (
    (config.responseSchema !== undefined || config.responseJsonSchema !== undefined) &&
    config.responseMimeType !== 'application/json' &&
    config.responseMimeType !== 'text/x.enum'
  ) {
    p.add(
      'generation_config.response_mime_type',
      'must be application/json or text/x.enum when a response schema is set (mock)',
    );
  }
  if (config.responseSchema !== undefined && config.responseJsonSchema !== undefined) {
    p.add('generation_config', 'response_schema and response_json_schema are mutually exclusive (mock)');
  }
}

/** Function call turns follow a user or function-response turn; function responses answer the previous call turn, one for one, by name. */
function checkTurns(contents: Json[], options: ValidateOptions): Invalid | undefined {
  const parts = (c: Json): Json[] => (Array.isArray(c.parts) ? (c.parts as Json[]) : []);
  const calls = (c: Json): Json[] => parts(c).filter((x) => isObject(x.functionCall));
  const responses = (c: Json): Json[] => parts(c).filter((x) => isObject(x.functionResponse));
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i]!;
    const previous = contents[i - 1];
    if (calls(content).length) {
      if (content.role !== 'model')
        return { message: 'Please ensure that function call turns come from the model (mock).' };
      if (previous && previous.role === 'model') {
        return {
          message:
            'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
        };
      }
      if (options.requireThoughtSignatures) {
        const position = calls(content).findIndex((x) => typeof x.thoughtSignature !== 'string');
        if (position !== -1) {
          const name = String((calls(content)[position]!.functionCall as Json).name);
          return {
            message: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
          };
        }
      }
    }
    const answered = responses(content);
    if (answered.length) {
      if (!previous || calls(previous).length === 0) {
        return { message: 'Please ensure that function response turn comes immediately after a function call turn.' };
      }
      if (answered.length !== calls(previous).length) {
        return {
          message:
            'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
        };
      }
      const names = calls(previous)
        .map((x) => String((x.functionCall as Json).name))
        .sort();
      const got = answered.map((x) => String((x.functionResponse as Json).name)).sort();
      if (names.join('\n') !== got.join('\n')) {
        return {
          message: `Function response names ${JSON.stringify(got)} do not match the function calls ${JSON.stringify(names)} of the previous turn (mock).`,
        };
      }
    }
  }
  return undefined;
}

/** Proto JSON: an int32 field given a fractional number is refused while parsing, like an unknown field. */
function checkIntegers(body: Json): Invalid | undefined {
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  const fields: Array<[unknown, string]> = INT32_FIELDS.map(([name, path]) => [
    config[name],
    `generation_config.${path}`,
  ]);
  if (isObject(config.thinkingConfig))
    fields.push([config.thinkingConfig.thinkingBudget, 'generation_config.thinking_config.thinking_budget']);
  const violations = fields
    .filter(([value]) => typeof value === 'number' && !Number.isInteger(value))
    .map(([value, field]) => ({ field, description: `Invalid value at '${field}' (TYPE_INT32), ${String(value)}` }));
  if (violations.length === 0) return undefined;
  return { message: violations.map((v) => v.description).join('\n'), violations };
}

/** A text part holding "" (a part carrying a thought signature aside) is refused. */
function emptyText(contents: Json[]): Invalid | undefined {
  for (const content of contents) {
    for (const part of Array.isArray(content.parts) ? (content.parts as Json[]) : []) {
      if (part.text === '' && part.thoughtSignature === undefined) {
        return {
          message:
            'Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini',
        };
      }
    }
  }
  return undefined;
}

/** The API's range message for a sampling field. */
const outOfRange = (field: string, value: unknown, range: string): Invalid => ({
  message: `Unable to submit request because it has a ${field} value of ${String(value)} but the supported range is ${range}. Update the value and try again.`,
});

/** topK's ceiling by model family (the models' `topK` in ListModels); unknown families are not checked. */
function topKLimit(model: string): number | undefined {
  if (/^gemini-(1\.5|2\.0)-/.test(model)) return 40;
  if (/^gemini-2\.5-/.test(model)) return 64;
  return undefined;
}

/** temperature in [0, 2], topP in [0, 1], topK in [1, the model's topK]. */
function checkSampling(config: unknown, model: string): Invalid | undefined {
  if (!isObject(config)) return undefined;
  const { temperature, topP, topK } = config;
  if (typeof temperature === 'number' && (temperature < 0 || temperature > 2))
    return outOfRange('temperature', temperature, 'from 0 (inclusive) to 2.0001 (exclusive)');
  if (typeof topP === 'number' && (topP < 0 || topP > 1)) {
    const invalid = outOfRange('topP', topP, 'from 0 (inclusive) to 1 (inclusive)');
    return { message: `${invalid.message} (mock)` };
  }
  const limit = topKLimit(model);
  if (typeof topK === 'number' && limit !== undefined && (topK < 1 || topK > limit))
    return outOfRange('topK', topK, `from 1 (inclusive) to ${limit + 1} (exclusive)`);
  return undefined;
}

/**
 * The thinking config each family takes: none before 2.5; a budget (not a level) on 2.5, within
 * the model's range, never 0 on Pro; a level or a budget (not both) on 3, Pro taking no MINIMAL
 * (and 3 Pro no MEDIUM) and no budget 0. Unknown families are not checked.
 */
function checkThinking(config: unknown, model: string): Invalid | undefined {
  if (!isObject(config) || !isObject(config.thinkingConfig)) return undefined;
  const { thinkingBudget: budget, thinkingLevel } = config.thinkingConfig;
  const level = thinkingLevel === undefined ? undefined : String(thinkingLevel).toUpperCase();
  if (/^gemini-(1\.\d|2\.0)-/.test(model) && !model.includes('thinking'))
    return { message: 'thinking_config is not supported.' };
  if (budget !== undefined && level !== undefined)
    return {
      message: 'Unable to submit request because thinking_budget and thinking_level are not supported together.',
    };
  const gemini25 = /^gemini-2\.5-/.test(model);
  if (gemini25 && level !== undefined) return { message: 'Thinking level is not supported for this model.' };
  const pro = /^gemini-(2\.5|3(\.\d+)?)-pro/.test(model);
  if (budget === 0 && pro) return { message: 'Budget 0 is invalid. This model only works in thinking mode.' };
  const maxBudget = /^gemini-2\.5-pro/.test(model) ? 32768 : /^gemini-2\.5-flash/.test(model) ? 24576 : undefined;
  if (typeof budget === 'number' && maxBudget !== undefined && budget > maxBudget)
    return { message: `The thinking budget (${budget}) is invalid.` };
  if (level !== undefined && /^gemini-3(\.\d+)?-pro/.test(model)) {
    const refused = /^gemini-3-pro/.test(model) ? ['MINIMAL', 'MEDIUM'] : ['MINIMAL'];
    if (refused.includes(level))
      return {
        message: `Thinking level ${level} is not supported for this model. Please retry with other thinking level.`,
      };
  }
  return undefined;
}
