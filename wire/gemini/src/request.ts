import { SwitchyardError } from '@switchyard/core';
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ToolCall } from '@switchyard/core/protocol';
import { isEmptyObject, toGeminiSchema } from './schema.js';
import { checksCallSignatures, FOREIGN_CALL_SIGNATURE, splitToolCallId } from './ids.js';
import type {
  Content,
  FunctionDeclaration,
  GenerateContentRequest,
  GenerationConfig,
  GeminiConvertOptions,
  Part,
} from './types.js';

/** Collects what a conversion drops or approximates; core puts these in `x-switchyard-warnings`. */
export type Warn = (message: string) => void;

/** Request fields this converter reads; any other field is named in a warning and dropped. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'tools',
  'tool_choice',
  'response_format',
  'reasoning_effort',
  'reasoning_summary',
  'parallel_tool_calls',
  'web_search_options',
  'max_web_searches',
]);

/** reasoning_effort → thinking budget (Gemini 2.x) in tokens. */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576 };

type Options = GeminiConvertOptions;

/** Canonical (OpenAI Chat Completions) request → Gemini generateContent request. */
export function toGenerateContent(
  req: ChatRequest,
  model: string,
  options: Options,
  warn: Warn,
): GenerateContentRequest {
  for (const key of Object.keys(req)) {
    if (!HANDLED.has(key) && req[key] !== undefined && req[key] !== null)
      warn(`${key} has no Gemini equivalent and was dropped`);
  }
  const out: GenerateContentRequest = { contents: toContents(req.messages, warn) };
  if (checksCallSignatures(model)) signForeignCalls(out.contents, warn);
  const system = systemParts(req.messages);
  if (system.length) out.systemInstruction = { parts: system };
  const tools = toTools(req.tools, options, warn);
  if (tools.length) out.tools = [{ functionDeclarations: tools }];
  if (searches(req, model, tools.length > 0, warn)) (out.tools ??= []).push({ googleSearch: {} });
  const toolConfig = toToolConfig(req, tools.length > 0, warn);
  if (toolConfig) out.toolConfig = toolConfig;
  const callable = tools.length > 0 && toolConfig?.functionCallingConfig?.mode !== 'NONE';
  const config = toGenerationConfig(req, model, options, warn, callable);
  if (Object.keys(config).length) out.generationConfig = config;
  return out;
}

/**
 * Whether the request asks for web search (Chat `web_search_options`, which Anthropic's web search
 * tool becomes): Gemini grounds the answer with Google Search. Its options have no Gemini
 * equivalent (named in a warning). The API refuses Google Search beside function declarations
 * ("Tool use with function calling is unsupported by the model"; Gemini 3 takes the two only
 * with an opt-in the gateway does not send), so then the search is dropped (named) and the
 * functions kept: the caller's own tools cannot be done without, the search can. Gemini 1.5 had
 * only the retired `google_search_retrieval`: no search there.
 */
function searches(req: ChatRequest, model: string, functions: boolean, warn: Warn): boolean {
  const options = req.web_search_options as Record<string, unknown> | null | undefined;
  if (options === undefined || options === null) return false;
  if (/^gemini-1\./.test(model)) {
    warn(`web search dropped (${model} takes no google_search tool; Gemini 2.0 and later do)`);
    return false;
  }
  for (const key of Object.keys(options))
    if (options[key] != null) warn(`web_search_options.${key} has no Gemini equivalent and was dropped`);
  if (req.max_web_searches != null)
    warn(`web search limit (${String(req.max_web_searches)}) has no Gemini equivalent and was dropped`);
  if (functions) {
    warn('web search dropped (Gemini takes no Google Search beside function declarations)');
    return false;
  }
  return true;
}

/**
 * Function-call turns that carry no signature at all were made by another model (a handoff from
 * an agent on another provider, a history built by hand): each call gets the documented bypass
 * signature, which Gemini 3 takes in place of its own. Turns Gemini made keep theirs untouched.
 */
function signForeignCalls(contents: Content[], warn: Warn): void {
  let signed = 0;
  for (const content of contents) {
    if (content.role !== 'model') continue;
    const calls = content.parts.filter((p) => p.functionCall);
    if (calls.length === 0 || calls.some((p) => p.thoughtSignature)) continue;
    for (const part of calls) part.thoughtSignature = FOREIGN_CALL_SIGNATURE;
    signed += calls.length;
  }
  if (signed)
    warn(
      `${signed} function call(s) in the history carry no Gemini thought signature (another model made them): sent with the bypass signature`,
    );
}

/** Whether a model gives JSON output while it may call functions (Gemini 3; earlier ones refuse the two together). */
function jsonWithFunctions(model: string): boolean {
  return /^gemini-[3-9]/.test(model);
}

/** How many system and developer messages open the conversation: they become Gemini's systemInstruction. */
function leadingInstructions(messages: ChatMessage[]): number {
  const first = messages.findIndex((m) => m.role !== 'system' && m.role !== 'developer');
  return first === -1 ? messages.length : first;
}

function systemParts(messages: ChatMessage[]): Part[] {
  const parts: Part[] = [];
  for (const m of messages.slice(0, leadingInstructions(messages))) {
    const text = textOf(m.content ?? null);
    if (text) parts.push({ text });
  }
  return parts;
}

/** Messages → contents: roles user/model, tool results as functionResponse parts, same-role turns merged. */
export function toContents(messages: ChatMessage[], warn: Warn): Content[] {
  const names = new Map<string, string>();
  const contents: Content[] = [];
  const lead = leadingInstructions(messages);
  const push = (role: 'user' | 'model', parts: Part[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    if (typeof m.name === 'string' && m.role !== 'tool')
      warn(`messages[${i}].name has no Gemini equivalent and was dropped`);
    switch (m.role) {
      case 'system':
      case 'developer': {
        if (i < lead) return;
        // Gemini takes instructions only up front: a later one stays at its place, as user text.
        const text = textOf(m.content);
        if (text)
          warn(
            `${m.role} messages after the conversation started sent as user text at their place (Gemini has no system turns)`,
          );
        return push('user', text ? [{ text }] : []);
      }
      case 'user':
        return push('user', userParts(m.content, i, warn));
      case 'assistant': {
        const parts: Part[] = [];
        if (m.reasoning_content) warn(`messages[${i}].reasoning_content is not sent back to Gemini`);
        if (m.reasoning_blocks?.length)
          warn('reasoning blocks in the history dropped (Gemini takes back only its own thought signatures)');
        const text = textOf(m.content ?? null);
        if (text) parts.push({ text });
        for (const call of m.tool_calls ?? []) {
          names.set(call.id, call.function.name);
          parts.push(functionCallPart(call, i, warn));
        }
        if (parts.length === 0) warn(`messages[${i}] (assistant) had no content and was left out`);
        return push('model', parts);
      }
      case 'tool': {
        const name = names.get(m.tool_call_id) ?? (typeof m.name === 'string' ? m.name : undefined);
        if (!name) {
          throw new SwitchyardError(
            'SWITCHYARD_ERR_INVALID_REQUEST',
            `messages[${i}].tool_call_id "${m.tool_call_id}" matches no earlier assistant tool call`,
            {
              param: `messages[${i}].tool_call_id`,
            },
          );
        }
        return push('user', [{ functionResponse: { name, response: toolResult(textOf(m.content)) } }]);
      }
      default:
        warn(`messages[${i}] has role "${(m as { role: string }).role}", which Gemini does not know; it was dropped`);
    }
  });
  return contents;
}

function functionCallPart(call: ToolCall, i: number, warn: Warn): Part {
  let args: unknown;
  try {
    args = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments);
  } catch {
    args = undefined;
  }
  if (!isObject(args)) {
    warn(`messages[${i}].tool_calls "${call.id}": arguments are not a JSON object; sent as {}`);
    args = {};
  }
  const part: Part = { functionCall: { name: call.function.name, args: args as Record<string, unknown> } };
  const { signature } = splitToolCallId(call.id);
  if (signature) part.thoughtSignature = signature;
  return part;
}

/** Gemini wants an object: a JSON object result as is, anything else wrapped as `{ result }`. */
function toolResult(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : { result: parsed };
  } catch {
    return { result: text };
  }
}

function userParts(content: string | ContentPart[], i: number, warn: Warn): Part[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  const parts: Part[] = [];
  content.forEach((part, j) => {
    const at = `messages[${i}].content[${j}]`;
    if (part.type === 'text' && typeof part.text === 'string') {
      // Gemini refuses an empty text part ("empty text parameter"); it carries nothing.
      if (part.text) parts.push({ text: part.text });
    } else if (part.type === 'image_url' && isObject(part.image_url) && typeof part.image_url.url === 'string') {
      if (part.image_url.detail !== undefined && part.image_url.detail !== 'auto')
        warn(`${at}.image_url.detail has no Gemini equivalent and was dropped`);
      const image = imagePart(part.image_url.url);
      if (image) parts.push(image);
      else warn(`${at}: image URL is ${notReadable(part.image_url.url)}; dropped`);
    } else if (part.type === 'input_audio' && isObject(part.input_audio)) {
      const { data, format } = part.input_audio as { data: string; format: string };
      parts.push({ inlineData: { mimeType: `audio/${format === 'mp3' ? 'mp3' : format}`, data } });
    } else if (part.type === 'file' && isObject(part.file) && typeof part.file.file_data === 'string') {
      const file = imagePart(part.file.file_data);
      if (file) parts.push(file);
      else warn(`${at}: file data is ${notReadable(part.file.file_data)}; dropped`);
    } else {
      warn(`${at}: content part type "${part.type}" has no Gemini equivalent and was dropped`);
    }
  });
  return parts;
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;
const EXTENSIONS: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/**
 * The Gemini API's and Vertex AI's own hosts: a URL on one names an object of the upstream account
 * (a Files API file, `…/v1beta/files/…`), which Gemini reads with the gateway's credentials — the
 * account every key shares, so another tenant's upload. Like a `gs://` URI, it is never passed on.
 */
const ACCOUNT_HOST = /^(?:generativelanguage|(?:[a-z0-9-]+-)?aiplatform)\.googleapis\.com$/;

/** A URL Gemini would read from the upstream account rather than from the web (ACCOUNT_HOST). */
function accountUrl(url: URL): boolean {
  return ACCOUNT_HOST.test(url.hostname.replace(/\.+$/, ''));
}

/** Why imagePart() passed `url` over, for the warning. */
function notReadable(url: string): string {
  if (!/^https?:\/\//i.test(url)) return 'neither a base64 data URL nor http(s)';
  return URL.canParse(url)
    ? "on the Gemini or Vertex AI API (an object of the upstream account, not the caller's)"
    : 'not a valid URL';
}

/** Data URLs → inlineData; http(s) URLs → fileData (MIME type from the extension when known), but none on the Gemini or Vertex AI API's hosts. */
export function imagePart(url: string): Part | undefined {
  const data = DATA_URL.exec(url);
  if (data) return { inlineData: { mimeType: data[1]!, data: data[2]! } };
  if (!/^https?:\/\//i.test(url)) return undefined;
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  if (accountUrl(parsed)) return undefined;
  const ext = /\.([a-z0-9]+)(?:$|[?#])/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  const mimeType = ext ? EXTENSIONS[ext] : undefined;
  return { fileData: mimeType ? { mimeType, fileUri: url } : { fileUri: url } };
}

/** Shown at most this many tool names in the one schema warning; a long tool list stays one short header. */
const NAMED_TOOLS = 5;

function toTools(tools: FunctionTool[] | undefined, options: Options, warn: Warn): FunctionDeclaration[] {
  const out: FunctionDeclaration[] = [];
  const lossy: string[] = [];
  const keywords = new Set<string>();
  (tools ?? []).forEach((tool, i) => {
    if (tool.type !== 'function' || !tool.function) {
      warn(`tools[${i}] of type "${tool.type}" has no Gemini equivalent and was dropped`);
      return;
    }
    const { name, description, parameters, strict } = tool.function;
    const declaration: FunctionDeclaration = { name };
    if (description) declaration.description = description;
    if (strict) warn(`tools[${i}].function.strict has no Gemini equivalent and was dropped`);
    if (parameters && options.jsonSchema === 'native') {
      declaration.parametersJsonSchema = parameters;
    } else if (parameters) {
      const { schema, dropped } = toGeminiSchema(parameters);
      if (dropped.length) {
        lossy.push(name);
        for (const k of dropped) keywords.add(k);
      }
      if (!isEmptyObject(schema)) declaration.parameters = schema;
    }
    out.push(declaration);
  });
  if (lossy.length) {
    const more = lossy.length > NAMED_TOOLS ? ` and ${lossy.length - NAMED_TOOLS} more` : '';
    warn(
      `tool schemas (${lossy.slice(0, NAMED_TOOLS).join(', ')}${more}): JSON Schema keywords unsupported by Gemini dropped: ${[...keywords].sort().join(', ')}`,
    );
  }
  return out;
}

function toToolConfig(req: ChatRequest, hasTools: boolean, warn: Warn): GenerateContentRequest['toolConfig'] {
  if (req.parallel_tool_calls === false) warn('parallel_tool_calls: false has no Gemini equivalent and was dropped');
  const choice = req.tool_choice;
  if (choice === undefined || !hasTools) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  warn('tool_choice has an unknown form and was dropped');
  return undefined;
}

function toGenerationConfig(
  req: ChatRequest,
  model: string,
  options: Options,
  warn: Warn,
  functionsCallable: boolean,
): GenerationConfig {
  const config: GenerationConfig = {};
  if (typeof req.temperature === 'number') config.temperature = req.temperature;
  if (typeof req.top_p === 'number') config.topP = req.top_p;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') config.maxOutputTokens = max;
  if (typeof req.stop === 'string') config.stopSequences = [req.stop];
  else if (Array.isArray(req.stop) && req.stop.length) config.stopSequences = req.stop;
  if (typeof req.n === 'number' && req.n !== 1) config.candidateCount = req.n;
  if (typeof req.presence_penalty === 'number') config.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') config.frequencyPenalty = req.frequency_penalty;
  if (typeof req.seed === 'number') config.seed = req.seed;

  const format = req.response_format;
  if (
    (format?.type === 'json_object' || format?.type === 'json_schema') &&
    functionsCallable &&
    !jsonWithFunctions(model)
  ) {
    warn(
      `response_format ${format.type} dropped (${model} gives no JSON output while it may call functions; Gemini 3 does)`,
    );
  } else if (format?.type === 'json_object') {
    config.responseMimeType = 'application/json';
  } else if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = format.json_schema.schema;
    if (schema && options.jsonSchema === 'native') config.responseJsonSchema = schema;
    else if (schema) {
      const converted = toGeminiSchema(schema, true);
      if (converted.dropped.length)
        warn(`response_format schema keywords unsupported by Gemini dropped: ${converted.dropped.join(', ')}`);
      config.responseSchema = converted.schema;
    }
    if (format.json_schema.strict) warn('response_format.json_schema.strict has no Gemini equivalent and was dropped');
  } else if (format && (format as { type: string }).type !== 'text') {
    warn(`response_format type "${(format as { type: string }).type}" has no Gemini equivalent and was dropped`);
  }

  const effort = req.reasoning_effort;
  const thoughts = options.includeThoughts || req.reasoning_summary === true;
  if (typeof effort === 'string') {
    const thinking = thinkingConfig(effort, model, warn);
    if (thinking)
      config.thinkingConfig = thoughts && effort !== 'none' ? { ...thinking, includeThoughts: true } : thinking;
  } else if (req.reasoning_summary === true && thinksByDefault(model)) {
    config.thinkingConfig = { includeThoughts: true };
  }
  return config;
}

/** Whether a model thinks with no thinking config (Gemini 2.5 and later; earlier ones take none). */
function thinksByDefault(model: string): boolean {
  return /^gemini-(2\.5|[3-9])/.test(model);
}

const LEVELS = ['minimal', 'low', 'medium', 'high'];

/**
 * What a model takes for `effort`: Gemini 3 a thinking level (3 Pro: no MINIMAL, 3.0 Pro no
 * MEDIUM either, so the nearest it takes), Gemini 2.5 a token budget (2.5 Pro cannot stop
 * thinking: `none` is its minimum budget), earlier models nothing (their thinking variants aside).
 */
function thinkingConfig(effort: string, model: string, warn: Warn): GenerationConfig['thinkingConfig'] | undefined {
  if (/^gemini-(1\.\d|2\.0)-/.test(model) && !model.includes('thinking')) {
    warn(`reasoning_effort "${effort}" dropped (${model} takes no thinking config)`);
    return undefined;
  }
  if (/^gemini-[3-9]/.test(model)) {
    const asked = effort === 'none' ? 'minimal' : effort;
    if (!LEVELS.includes(asked)) return noEquivalent(effort, warn);
    const level = proThinkingLevel(model, asked);
    if (level !== asked)
      warn(`reasoning_effort "${effort}" sent as thinking level ${level} (${model} takes no ${asked})`);
    return { thinkingLevel: level };
  }
  const budget = THINKING_BUDGET[effort];
  if (budget === undefined) return noEquivalent(effort, warn);
  if (budget === 0 && /^gemini-2\.5-pro/.test(model)) {
    warn(`reasoning_effort "none" sent as the minimum thinking budget (${model} always thinks)`);
    return { thinkingBudget: PRO_MIN_BUDGET };
  }
  return { thinkingBudget: budget };
}

/** Gemini 2.5 Pro's smallest thinking budget. */
const PRO_MIN_BUDGET = 128;

/** The level a Gemini 3 Pro takes nearest to `level`: no MINIMAL (low instead), and on 3.0 Pro no MEDIUM (high, its default). */
function proThinkingLevel(model: string, level: string): string {
  if (!/^gemini-3(\.\d+)?-pro/.test(model)) return level;
  if (level === 'minimal') return 'low';
  if (level === 'medium' && /^gemini-3-pro/.test(model)) return 'high';
  return level;
}

function noEquivalent(effort: string, warn: Warn): undefined {
  warn(`reasoning_effort "${effort}" has no Gemini equivalent and was dropped`);
  return undefined;
}

function textOf(content: string | ContentPart[] | null): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
