/**
 * Responses request → canonical (Chat Completions) request, for upstreams that do not speak the
 * Responses API. Pure: no Koa, no tapable, no I/O.
 *
 * What cannot be carried is either dropped with a warning (a hosted tool the model may use or
 * not, `truncation: auto`, …) or, when dropping it would change what the answer means (a hosted
 * tool `tool_choice` requires, an `item_reference` the gateway could not resolve, a stored prompt
 * template), named in `requires`: only an upstream speaking the Responses API may serve it.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  FunctionTool,
  ReasoningBlock,
  ToolCall,
  ToolChoice,
} from '@switchyard/core/protocol';
import { openReasoning } from './envelope.js';
import type {
  Json,
  ResponsesContentPart,
  ResponsesFunctionTool,
  ResponsesItem,
  ResponsesReasoningItem,
  ResponsesRequest,
  ResponsesTool,
  ResponsesToolChoice,
} from './types.js';

export interface ResponsesConversion {
  request: ChatRequest;
  /** What was dropped or approximated, for `x-switchyard-warnings`. */
  warnings: string[];
  /** Why only a Responses upstream can serve this request (empty when any upstream can). */
  requires: string[];
}

/** Top-level fields that mean nothing to the answer (bookkeeping, delivery, storage the gateway itself handles). */
const SILENT = new Set([
  'model',
  'input',
  'stream',
  'stream_options',
  'store',
  'metadata',
  'client_metadata',
  'previous_response_id',
  'background',
]);
/** Fields converted below. */
const CONVERTED = new Set([
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'temperature',
  'top_p',
  'include',
  'max_tool_calls',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'user',
  'service_tier',
  'truncation',
  'prompt',
]);
/** The one parameter of a custom tool carried as a function tool: its raw text input. */
const CUSTOM_TOOL_INPUT = 'input';

/** The names of the request's `custom` (freeform) tools: they travel as function tools taking one string, `input`. */
export function customToolNames(body: Pick<ResponsesRequest, 'tools'>): Set<string> {
  const names = new Set<string>();
  for (const tool of body.tools ?? [])
    if (tool.type === 'custom' && typeof tool.name === 'string') names.add(tool.name);
  return names;
}

/** A Responses request → the canonical chat request, with what the conversion lost or cannot do. */
export function responsesToCanonical(body: ResponsesRequest): ResponsesConversion {
  const warnings = new Set<string>();
  const requires = new Set<string>();
  const warn = (m: string): void => void warnings.add(m);
  const require = (m: string): void => void requires.add(m);
  const custom = customToolNames(body);

  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions)
    messages.push({ role: 'system', content: body.instructions });
  messages.push(...inputMessages(body.input, warn, require));

  const request: ChatRequest = { model: body.model, messages };
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (typeof body.max_output_tokens === 'number') request.max_completion_tokens = body.max_output_tokens;
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  const user = body.user ?? body.safety_identifier;
  if (typeof user === 'string' && user) request.user = user;
  if (typeof body.prompt_cache_key === 'string') request.prompt_cache_key = body.prompt_cache_key;
  if (typeof body.prompt_cache_retention === 'string') request.prompt_cache_retention = body.prompt_cache_retention;
  if (typeof body.service_tier === 'string' && body.service_tier !== 'auto') request.service_tier = body.service_tier;

  convertTools(body, request, custom, warn, require);
  // The web search is the one hosted tool converted: max_tool_calls bounds its calls.
  const calls = body.max_tool_calls;
  if (request.web_search_options !== undefined && typeof calls === 'number' && Number.isInteger(calls) && calls >= 0)
    request.max_web_searches = calls;
  textFormat(body.text, request, warn);
  const effort = body.reasoning?.effort;
  if (typeof effort === 'string') request.reasoning_effort = effort;
  if (wantsSummary(body)) request.reasoning_summary = true;
  if (body.truncation === 'auto') warn('truncation auto dropped (the input must fit the target model as sent)');
  if (body.prompt != null) require('a stored prompt template (`prompt`) is only known to OpenAI');
  for (const entry of body.include ?? []) {
    if (entry === 'message.output_text.logprobs')
      warn('include message.output_text.logprobs dropped (no log probabilities are returned)');
  }
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null || SILENT.has(key) || CONVERTED.has(key)) continue;
    if (key === 'top_logprobs' && value === 0) continue;
    warn(`${key} dropped (no equivalent upstream)`);
  }
  return { request, warnings: [...warnings], requires: [...requires] };
}

/** Whether the caller asked for reasoning summaries (`reasoning.summary`): only then is reasoning text shown. */
export function wantsSummary(request: ResponsesRequest): boolean {
  return typeof request.reasoning?.summary === 'string';
}

/** The input items as one list: a string input is one user message. */
export function inputItems(input: ResponsesRequest['input']): ResponsesItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

type Assistant = Extract<ChatMessage, { role: 'assistant' }>;

/**
 * Items → chat messages. An assistant turn gathers what the model produced between two inputs —
 * reasoning, text, function calls — into one assistant message (Chat Completions wants a turn's
 * tool calls together); each tool output becomes a tool message.
 */
function inputMessages(
  input: ResponsesRequest['input'],
  warn: (m: string) => void,
  require: (m: string) => void,
): ChatMessage[] {
  const messages = new InputMessages(warn, require);
  for (const item of inputItems(input)) messages.add(item);
  return messages.end();
}

/** The chat messages of input items, added one by one (see inputMessages). */
class InputMessages {
  readonly #out: ChatMessage[] = [];
  /** The assistant turn being gathered, until an input ends it. */
  #turn: Assistant | undefined;
  /** Images and files of the tool outputs in a row so far (tool messages carry text only). */
  #attached: ContentPart[] = [];

  constructor(
    private readonly warn: (m: string) => void,
    private readonly require: (m: string) => void,
  ) {}

  add(item: ResponsesItem): void {
    const type = item.type ?? ('role' in item ? 'message' : undefined);
    if (type !== 'function_call_output' && type !== 'custom_tool_call_output') this.#attach();
    switch (type) {
      case 'message':
        this.#message(item as Extract<ResponsesItem, { role: string }>);
        break;
      case 'function_call':
      case 'custom_tool_call':
        (this.#assistant().tool_calls ??= []).push(toolCallOf(item as Json, type));
        break;
      case 'function_call_output':
      case 'custom_tool_call_output': {
        this.#flush();
        const output = item as Json;
        const callId = String(output.call_id);
        const { text, attached } = outputContent(output.output, this.warn);
        if (attached.length) {
          this.warn(
            'images and files in tool outputs sent in a user message after the tool outputs (tool messages carry text)',
          );
          this.#attached.push({ type: 'text', text: `Attached to the output of tool call ${callId}:` }, ...attached);
        }
        this.#out.push({
          role: 'tool',
          tool_call_id: callId,
          content: text || (attached.length ? '(attached in the next message)' : ''),
        });
        break;
      }
      case 'reasoning':
        this.#reasoning(item as ResponsesReasoningItem);
        break;
      case 'item_reference':
        this.require(`input item_reference ${String(item.id)} is not stored by the gateway`);
        break;
      case 'compaction':
        this.require('a compaction item can only be read by OpenAI');
        break;
      default:
        this.warn(`input items of type ${String(type)} dropped (no equivalent upstream)`);
    }
  }

  /** The messages, the last assistant turn included. */
  end(): ChatMessage[] {
    this.#attach();
    this.#flush();
    return this.#out;
  }

  /** The images and files of the tool outputs just added, as one user message after them all. */
  #attach(): void {
    if (!this.#attached.length) return;
    this.#out.push({ role: 'user', content: this.#attached });
    this.#attached = [];
  }

  #assistant(): Assistant {
    return (this.#turn ??= { role: 'assistant', content: null });
  }

  #flush(): void {
    const turn = this.#turn;
    if (!turn) return;
    const hasText = typeof turn.content === 'string' && turn.content !== '';
    if (hasText || turn.tool_calls?.length || turn.refusal) this.#out.push(turn);
    else if (turn.reasoning_blocks?.length) this.warn('reasoning items not followed by any output dropped');
    this.#turn = undefined;
  }

  #message(message: Extract<ResponsesItem, { role: string }>): void {
    if (message.role === 'assistant') {
      const { text, refusal } = assistantContent(message.content, this.warn);
      const current = this.#assistant();
      if (text) current.content = `${typeof current.content === 'string' ? current.content : ''}${text}`;
      if (refusal) current.refusal = refusal;
      return;
    }
    this.#flush();
    this.#out.push(inputMessage(message, this.warn));
  }

  #reasoning(item: ResponsesReasoningItem): void {
    const block = reasoningBlock(item);
    if (block) (this.#assistant().reasoning_blocks ??= []).push(block);
    else
      this.warn(
        'reasoning items without encrypted_content dropped (ask for include: ["reasoning.encrypted_content"], or use store and previous_response_id)',
      );
  }
}

/** A function_call or custom_tool_call item as a tool call (a custom tool's input as its one argument). */
function toolCallOf(call: Json, type: 'function_call' | 'custom_tool_call'): ToolCall {
  const args =
    type === 'custom_tool_call'
      ? JSON.stringify({ [CUSTOM_TOOL_INPUT]: String(call.input ?? '') })
      : String(call.arguments ?? '');
  return {
    id: String(call.call_id),
    type: 'function',
    function: { name: String(call.name), arguments: args },
  };
}

/** The reasoning block a reasoning item carries: our envelope (another provider's), or OpenAI's encrypted content. */
export function reasoningBlock(item: ResponsesReasoningItem): ReasoningBlock | undefined {
  const content = item.encrypted_content;
  if (typeof content !== 'string' || !content) return undefined;
  const sealed = openReasoning(content);
  if (sealed) return sealed;
  const block: ReasoningBlock = { type: 'encrypted_reasoning', signature: content, source: 'openai' };
  if (typeof item.id === 'string') block.id = item.id;
  const summary = (item.summary ?? []).map((s) => s.text).join('\n\n');
  if (summary) block.text = summary;
  return block;
}

function inputMessage(item: Extract<ResponsesItem, { role: string }>, warn: (m: string) => void): ChatMessage {
  // Chat servers that know no `developer` role all know `system`; OpenAI reads it the same way.
  const role = item.role === 'developer' ? 'system' : item.role === 'system' ? 'system' : 'user';
  if (typeof item.content === 'string') return { role, content: item.content };
  const parts: ContentPart[] = [];
  for (const part of item.content as ResponsesContentPart[]) {
    const converted = inputPart(part, warn);
    if (!converted) continue;
    if (role === 'system' && converted.type !== 'text') {
      warn(`${part.type} parts in ${item.role} messages dropped`);
      continue;
    }
    parts.push(converted);
  }
  if (parts.length === 1 && parts[0]!.type === 'text') return { role, content: (parts[0] as { text: string }).text };
  return role === 'system'
    ? { role, content: parts as Array<{ type: 'text'; text: string }> }
    : { role, content: parts };
}

function inputPart(part: ResponsesContentPart, warn: (m: string) => void): ContentPart | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text ?? '' };
    case 'input_image': {
      if (typeof part.image_url !== 'string') {
        warn('input_image given by file_id dropped (only OpenAI knows its files)');
        return undefined;
      }
      const image: { url: string; detail?: 'auto' | 'low' | 'high' } = { url: part.image_url };
      if (part.detail === 'low' || part.detail === 'high') image.detail = part.detail;
      return { type: 'image_url', image_url: image };
    }
    case 'input_file': {
      if (typeof part.file_data !== 'string') {
        warn('input_file given by file_id or file_url dropped (only file_data is carried)');
        return undefined;
      }
      const file: Json = { file_data: part.file_data };
      if (typeof part.filename === 'string') file.filename = part.filename;
      return { type: 'file', file };
    }
    case 'input_audio':
      return { type: 'input_audio', input_audio: part.input_audio as { data: string; format: string } };
    default:
      warn(`${part.type} content parts dropped (no equivalent upstream)`);
      return undefined;
  }
}

function assistantContent(
  content: string | ResponsesContentPart[],
  warn: (m: string) => void,
): { text: string; refusal: string } {
  if (typeof content === 'string') return { text: content, refusal: '' };
  let text = '';
  let refusal = '';
  for (const part of content) {
    if (part.type === 'output_text' || part.type === 'input_text') text += part.text ?? '';
    else if (part.type === 'refusal') refusal += part.refusal ?? '';
    else warn(`${part.type} parts in assistant messages dropped`);
  }
  return { text, refusal };
}

/** A tool output's text, and its images and files (which a tool message cannot carry). */
function outputContent(output: unknown, warn: (m: string) => void): { text: string; attached: ContentPart[] } {
  if (typeof output === 'string') return { text: output, attached: [] };
  let text = '';
  const attached: ContentPart[] = [];
  for (const part of Array.isArray(output) ? (output as ResponsesContentPart[]) : []) {
    const converted = inputPart(part, warn);
    if (converted?.type === 'text') text += converted.text;
    else if (converted) attached.push(converted);
  }
  return { text, attached };
}

function convertTools(
  body: ResponsesRequest,
  request: ChatRequest,
  custom: Set<string>,
  warn: (m: string) => void,
  require: (m: string) => void,
): void {
  const tools: FunctionTool[] = [];
  const hosted: string[] = [];
  for (const tool of body.tools ?? []) {
    if (tool.type === 'function') tools.push(functionTool(tool as ResponsesFunctionTool));
    else if (tool.type === 'custom' && typeof tool.name === 'string') tools.push(customTool(tool));
    else if (isWebSearch(tool) && request.web_search_options === undefined)
      request.web_search_options = webSearchOptions(tool, warn);
    else {
      hosted.push(String(tool.type));
      warn(`${toolLabel(tool)} tool dropped (only an OpenAI Responses upstream takes it)`);
    }
  }
  let choice = body.tool_choice;
  let kept = tools;
  if (isObject(choice) && choice.type === 'allowed_tools') {
    const allowed = choice as Extract<ResponsesToolChoice, { type: 'allowed_tools' }>;
    const names = new Set(allowed.tools.map((t) => t.name).filter((n): n is string => typeof n === 'string'));
    kept = tools.filter((t) => names.has(t.function.name));
    if (allowed.mode === 'required' && kept.length === 0)
      require('tool_choice requires one of the allowed tools, and none of them is a function tool');
    choice = allowed.mode;
  }
  if (kept.length) request.tools = kept;
  const canonical = toolChoice(choice, kept, custom, warn, require);
  if (canonical !== undefined) {
    if (kept.length) request.tool_choice = canonical;
    else if (canonical === 'required')
      require(`tool_choice required, and only hosted tools (${hosted.join(', ')}) are offered`);
  }
  if (kept.length && typeof body.parallel_tool_calls === 'boolean')
    request.parallel_tool_calls = body.parallel_tool_calls;
}

/** The hosted web search tools: `web_search`, `web_search_preview` (and dated `web_search_preview_*`). */
function isWebSearch(tool: ResponsesTool): boolean {
  return tool.type === 'web_search' || tool.type.startsWith('web_search_preview');
}

/**
 * A hosted web search tool → Chat `web_search_options`, for an upstream that searches its own way
 * (Anthropic's web search server tool; Gemini's Google Search): `user_location` and
 * `search_context_size` kept in Chat's shape; `filters` (allowed domains) named and dropped.
 */
function webSearchOptions(tool: ResponsesTool, warn: (m: string) => void): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const where = tool.user_location as Record<string, unknown> | null | undefined;
  if (isObject(where)) {
    const approximate: Record<string, unknown> = {};
    for (const key of ['city', 'region', 'country', 'timezone'])
      if (typeof where[key] === 'string') approximate[key] = where[key];
    options.user_location = { type: 'approximate', approximate };
  }
  if (typeof tool.search_context_size === 'string') options.search_context_size = tool.search_context_size;
  for (const key of Object.keys(tool))
    if (!['type', 'user_location', 'search_context_size'].includes(key) && tool[key] != null)
      warn(`${tool.type} tool: ${key} dropped (the upstream's own search has no equivalent)`);
  return options;
}

function functionTool(tool: ResponsesFunctionTool): FunctionTool {
  const fn: FunctionTool['function'] = { name: tool.name };
  if (typeof tool.description === 'string') fn.description = tool.description;
  fn.parameters = isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} };
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

/** A custom (freeform) tool as a function taking its raw text as `input`; calls are turned back into custom_tool_call items. */
function customTool(tool: { name?: string; description?: unknown; format?: unknown }): FunctionTool {
  const format = tool.format as { type?: string; syntax?: string } | undefined;
  const grammar =
    format?.type === 'grammar'
      ? ` (text in the ${String(format.syntax ?? 'given')} grammar the tool description sets out)`
      : '';
  const fn: FunctionTool['function'] = {
    name: String(tool.name),
    parameters: {
      type: 'object',
      properties: { [CUSTOM_TOOL_INPUT]: { type: 'string', description: `The tool's raw input${grammar}.` } },
      required: [CUSTOM_TOOL_INPUT],
      additionalProperties: false,
    },
  };
  if (typeof tool.description === 'string') fn.description = tool.description;
  return { type: 'function', function: fn };
}

function toolChoice(
  choice: ResponsesToolChoice | undefined,
  tools: FunctionTool[],
  custom: Set<string>,
  warn: (m: string) => void,
  require: (m: string) => void,
): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (!isObject(choice)) return undefined;
  const named = choice as { type: string; name?: string };
  if (
    (named.type === 'function' || (named.type === 'custom' && custom.has(String(named.name)))) &&
    typeof named.name === 'string'
  ) {
    if (tools.some((t) => t.function.name === named.name)) return { type: 'function', function: { name: named.name } };
    warn(`tool_choice ${named.name} dropped (no such tool)`);
    return undefined;
  }
  require(`tool_choice requires the hosted tool ${named.type}${named.name ? ` ${named.name}` : ''}`);
  return undefined;
}

function textFormat(text: ResponsesRequest['text'], request: ChatRequest, warn: (m: string) => void): void {
  if (!text) return;
  const format = text.format;
  if (format?.type === 'json_schema') {
    const schema: { name: string; schema?: Json; description?: string; strict?: boolean } = {
      name: format.name,
      schema: format.schema,
    };
    if (typeof format.description === 'string') schema.description = format.description;
    if (typeof format.strict === 'boolean') schema.strict = format.strict;
    request.response_format = { type: 'json_schema', json_schema: schema };
  } else if (format?.type === 'json_object') request.response_format = { type: 'json_object' };
  if (typeof text.verbosity === 'string' && text.verbosity !== 'medium')
    warn(`text.verbosity ${text.verbosity} dropped (no equivalent upstream)`);
}

/** Custom tool call arguments (`{"input": …}`) → the raw input the caller's custom tool takes. */
export function customToolInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (isObject(parsed) && typeof parsed[CUSTOM_TOOL_INPUT] === 'string') return parsed[CUSTOM_TOOL_INPUT];
  } catch {
    /* not JSON: the model wrote the raw input itself */
  }
  return args;
}

function toolLabel(tool: ResponsesTool): string {
  return typeof tool.name === 'string' && tool.name ? `${tool.type} ${tool.name}` : tool.type;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
