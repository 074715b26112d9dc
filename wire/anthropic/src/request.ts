/**
 * Canonical (OpenAI Chat Completions) request → Anthropic Messages request. Pure: no Koa, no tapable.
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice } from '@switchyard/core/protocol';
import { MIN_THINKING_BUDGET } from './betas.js';
import { isAnthropicReasoning, thinkingBlockOf } from './reasoning.js';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
} from './types.js';

/** The tool a json_object / json_schema response_format is forced through (see README). */
export const JSON_TOOL = 'json_response';
/** The first API version that no longer accepts temperature, top_p and top_k. */
export const NO_SAMPLING_VERSION = '2026-10-21';
/** Anthropic's temperature range is 0–1 (OpenAI's 0–2). */
const MAX_TEMPERATURE = 1;
/** Models that take temperature or top_p, not both: Claude Opus 4.1, the 4.5 models and later (Bedrock and Vertex ids too). */
const ONE_SAMPLING_FIELD = /claude-(?:opus|sonnet|haiku)-(?:4-[1-9]|[5-9])(?![0-9])/;

/** True when the model refuses temperature and top_p together. */
export function takesOneSamplingField(model: string): boolean {
  return ONE_SAMPLING_FIELD.test(model);
}

export type JsonMode = 'tool' | 'native';

export interface ConvertOptions {
  /** The upstream model name. */
  model: string;
  /** The anthropic-version sent upstream. */
  version: string;
  /** max_tokens when the caller sets none. */
  defaultMaxTokens: number;
  /** How response_format is carried: a forced tool, or native output_config.format. */
  jsonMode: JsonMode;
  /** Whether the model supports extended thinking. */
  thinking: boolean;
  /** reasoning_effort → thinking budget_tokens. */
  thinkingBudgets: Readonly<Record<string, number>>;
}

export interface Converted {
  body: AnthropicMessagesRequest;
  warnings: string[];
  /** Set when response_format went through the forced JSON tool: its input is the answer. */
  jsonTool?: string;
}

/** Fields handled below; any other non-null field is dropped with a warning. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'reasoning_summary', // nothing to ask: thinking on, its text comes back
  'user',
  'n',
  'web_search_options',
  'max_web_searches',
]);

/** True when an API version still accepts temperature / top_p / top_k. */
export function acceptsSampling(version: string): boolean {
  return version < NO_SAMPLING_VERSION;
}

export function toMessagesRequest(req: ChatRequest, o: ConvertOptions): Converted {
  const warnings = new Set<string>();
  const warn = (m: string): void => void warnings.add(m);
  const system: AnthropicTextBlock[] = [];
  const messages = convertMessages(req.messages, system, warn);
  const body: AnthropicMessagesRequest = {
    model: o.model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? o.defaultMaxTokens,
    messages,
  };
  const explicitMax = (req.max_completion_tokens ?? req.max_tokens) != null;
  if (system.length) body.system = system.length === 1 && !system[0]!.cache_control ? system[0]!.text : system;
  if (req.stream === true) body.stream = true;
  sampling(req, body, o, warn);
  if (req.stop != null) {
    const stops = (Array.isArray(req.stop) ? req.stop : [req.stop]).filter((s) => s.trim() !== '');
    if (stops.length) body.stop_sequences = stops;
  }
  if (req.user) body.metadata = { user_id: req.user };
  if (req.n != null && req.n > 1) warn(`n=${req.n} dropped (Anthropic returns one choice)`);
  tools(req, body, warn);
  const jsonTool = responseFormat(req, body, o, warn);
  thinking(req, body, o, explicitMax, warn);
  if (body.temperature !== undefined && body.top_p !== undefined && takesOneSamplingField(o.model)) {
    delete body.top_p;
    warn(`top_p dropped (${o.model} takes temperature or top_p, not both)`);
  }
  for (const key of Object.keys(req)) {
    if (!HANDLED.has(key) && req[key] != null) warn(`${key} dropped (no Anthropic equivalent)`);
  }
  const out: Converted = { body, warnings: [...warnings] };
  if (jsonTool) out.jsonTool = jsonTool;
  return out;
}

function sampling(
  req: ChatRequest,
  body: AnthropicMessagesRequest,
  o: ConvertOptions,
  warn: (m: string) => void,
): void {
  const allowed = acceptsSampling(o.version);
  if (req.temperature != null) {
    if (!allowed) warn(`temperature dropped (anthropic-version ${o.version} does not accept it)`);
    else if (req.temperature > MAX_TEMPERATURE) {
      body.temperature = MAX_TEMPERATURE;
      warn(`temperature ${req.temperature} clamped to ${MAX_TEMPERATURE} (Anthropic's range is 0-1)`);
    } else body.temperature = req.temperature;
  }
  if (req.top_p != null) {
    if (!allowed) warn(`top_p dropped (anthropic-version ${o.version} does not accept it)`);
    else body.top_p = req.top_p;
  }
}

function convertMessages(
  input: ChatMessage[],
  system: AnthropicTextBlock[],
  warn: (m: string) => void,
): AnthropicMessageParam[] {
  const out: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicContentBlock[]): void => {
    if (!blocks.length) return;
    const last = out.at(-1);
    // Anthropic wants alternating turns: consecutive same-role messages merge into one turn.
    if (last && last.role === role) (last.content as AnthropicContentBlock[]).push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of input) {
    if (m.name !== undefined) warn('messages[].name dropped (no Anthropic equivalent)');
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m.content));
        break;
      case 'user':
        push('user', userBlocks(m.content, warn));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(m, warn));
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textsOf(m.content).join('') }]);
        break;
      default:
        warn(`messages with role ${String((m as { role: unknown }).role)} dropped`);
    }
  }
  // A single text block is sent in the string shorthand, as most clients do.
  for (const m of out) {
    const blocks = m.content as AnthropicContentBlock[];
    if (blocks.length === 1 && blocks[0]!.type === 'text' && !blocks[0]!.cache_control)
      m.content = (blocks[0] as AnthropicTextBlock).text;
  }
  return out;
}

/**
 * Text content as Anthropic text blocks, keeping a `cache_control` breakpoint a client put on a
 * part (the convention of OpenAI-style clients that target Claude).
 */
function textBlocks(content: string | ContentPart[]): AnthropicTextBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const blocks: AnthropicTextBlock[] = [];
  for (const part of content) {
    if (part.type !== 'text' || typeof part.text !== 'string' || !part.text) continue;
    const block: AnthropicTextBlock = { type: 'text', text: part.text };
    const mark = cacheControlOf(part);
    if (mark) block.cache_control = mark;
    blocks.push(block);
  }
  return blocks;
}

function cacheControlOf(part: ContentPart): AnthropicCacheControl | undefined {
  const mark = (part as { cache_control?: { type?: unknown; ttl?: unknown } }).cache_control;
  if (mark?.type !== 'ephemeral') return undefined;
  return typeof mark.ttl === 'string' ? { type: 'ephemeral', ttl: mark.ttl } : { type: 'ephemeral' };
}

function textsOf(content: string | ContentPart[] | null | undefined): string[] {
  if (typeof content === 'string') return [content];
  return (content ?? []).flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : []));
}

function userBlocks(content: string | ContentPart[], warn: (m: string) => void): AnthropicContentBlock[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  const blocks: AnthropicContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text') {
      blocks.push(...textBlocks([part]));
    } else if (part.type === 'image_url') {
      const image = imageBlock((part as { image_url?: { url?: string; detail?: string } }).image_url, warn);
      if (image) blocks.push(image);
    } else warn(`${part.type} content parts dropped (no Anthropic equivalent)`);
  }
  return blocks;
}

const DATA_URL = /^data:([^;,]+);base64,/;

function imageBlock(
  image: { url?: string; detail?: string } | undefined,
  warn: (m: string) => void,
): AnthropicContentBlock | undefined {
  const url = image?.url ?? '';
  if (image?.detail && image.detail !== 'auto') warn('image_url.detail dropped (no Anthropic equivalent)');
  const match = DATA_URL.exec(url);
  if (match)
    return { type: 'image', source: { type: 'base64', media_type: match[1]!, data: url.slice(match[0].length) } };
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  warn('an image that is neither a base64 data URL nor an http(s) URL was dropped');
  return undefined;
}

function assistantBlocks(
  m: Extract<ChatMessage, { role: 'assistant' }>,
  warn: (m: string) => void,
): AnthropicContentBlock[] {
  const blocks: AnthropicContentBlock[] = [];
  // Thinking Anthropic signed goes back first and untouched; any other reasoning cannot be verified there.
  const reasoning = m.reasoning_blocks ?? [];
  for (const block of reasoning) {
    if (isAnthropicReasoning(block)) blocks.push(thinkingBlockOf(block));
    else
      warn(
        `${block.type} blocks${block.source ? ` from ${block.source}` : ''} in the history dropped (Anthropic takes back only thinking it signed)`,
      );
  }
  if (m.reasoning_content && !reasoning.length)
    warn('reasoning_content in the history dropped (Anthropic needs signed thinking blocks)');
  for (const text of textsOf(m.content as string | ContentPart[] | null | undefined))
    if (text) blocks.push({ type: 'text', text });
  for (const call of m.tool_calls ?? []) {
    if (!call?.function || typeof call.function.name !== 'string') {
      warn('a tool call without a function name was dropped');
      continue;
    }
    let input: unknown;
    try {
      input = call.function.arguments ? (JSON.parse(call.function.arguments) as unknown) : {};
      if (!input || typeof input !== 'object' || Array.isArray(input)) input = { _value: input };
    } catch {
      warn(`tool call ${call.id}: arguments are not JSON; sent as {"_raw": ...}`);
      input = { _raw: call.function.arguments };
    }
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  }
  return blocks;
}

function tools(req: ChatRequest, body: AnthropicMessagesRequest, warn: (m: string) => void): void {
  const list: AnthropicTool[] = [];
  for (const tool of req.tools ?? []) {
    if (tool.type !== 'function' || !tool.function) {
      warn(`tools of type ${String(tool.type)} dropped (no Anthropic equivalent)`);
      continue;
    }
    const t: AnthropicTool = {
      name: tool.function.name,
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    };
    if (tool.function.description) t.description = tool.function.description;
    if (tool.function.strict !== undefined) warn('tools[].function.strict dropped (no Anthropic equivalent)');
    list.push(t);
  }
  const search = webSearchTool(req.web_search_options, req.max_web_searches, warn);
  if (!list.length) {
    if (req.tool_choice !== undefined && req.tool_choice !== 'none') warn('tool_choice dropped (no tools)');
    if (search) body.tools = [search];
    return;
  }
  body.tools = search ? [...list, search] : list;
  let choice = toolChoice(req.tool_choice);
  if (req.parallel_tool_calls === false) {
    if (!choice) choice = { type: 'auto' };
    if (choice.type !== 'none') choice.disable_parallel_tool_use = true;
  }
  if (choice) body.tool_choice = choice;
}

/**
 * Chat `web_search_options` (a Responses caller's hosted web search becomes one) → Anthropic's web
 * search server tool: `user_location` in Anthropic's shape, the searches allowed as `max_uses`;
 * `search_context_size` has no equivalent (named).
 */
function webSearchTool(
  options: unknown,
  limit: number | undefined,
  warn: (m: string) => void,
): AnthropicTool | undefined {
  if (options === undefined || options === null || typeof options !== 'object') return undefined;
  const tool: AnthropicTool = { type: 'web_search_20250305', name: 'web_search' };
  if (typeof limit === 'number') tool.max_uses = limit;
  const { user_location: where, ...rest } = options as Record<string, unknown>;
  const approximate = (where as { approximate?: Record<string, unknown> } | null | undefined)?.approximate;
  if (approximate && typeof approximate === 'object') tool.user_location = { type: 'approximate', ...approximate };
  for (const key of Object.keys(rest))
    if (rest[key] != null) warn(`web_search_options.${key} dropped (no Anthropic equivalent)`);
  return tool;
}

function toolChoice(choice: ToolChoice | undefined): AnthropicToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.function.name };
}

function responseFormat(
  req: ChatRequest,
  body: AnthropicMessagesRequest,
  o: ConvertOptions,
  warn: (m: string) => void,
): string | undefined {
  const format = req.response_format;
  if (!format || format.type === 'text') return undefined;
  const schema = format.type === 'json_schema' ? (format.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
  if (o.jsonMode === 'native' && format.type === 'json_schema') {
    body.output_config = { ...(body.output_config ?? {}), format: { type: 'json_schema', schema } };
    return undefined;
  }
  if (body.tool_choice?.type === 'none') {
    // No tool may be called, the caller's included: a forced JSON tool would force a call beside them.
    warn(
      `response_format ${format.type} dropped (tool_choice "none": no tool may be called, not even the JSON tool; the answer is plain text)`,
    );
    return undefined;
  }
  const description =
    format.type === 'json_schema' && format.json_schema.description
      ? format.json_schema.description
      : "Respond with the answer as this tool's input: a JSON object.";
  const callersTools = (body.tools ?? []).length > 0;
  body.tools = [...(body.tools ?? []), { name: JSON_TOOL, description, input_schema: schema }];
  const asked = body.tool_choice;
  if (asked && asked.type !== 'auto') {
    warn("response_format with tools: the JSON tool is offered, not forced, so the caller's tool_choice holds");
  } else {
    // "auto" (asked, or by default): a turn is a call of the caller's tools or the answer, and the
    // answer is the JSON tool's call, so some tool is forced: the caller's stay callable, and a
    // plain-text answer outside the schema cannot happen. Forcing the JSON tool alone would leave
    // theirs uncallable.
    const forced: AnthropicToolChoice = callersTools ? { type: 'any' } : { type: 'tool', name: JSON_TOOL };
    if (asked?.disable_parallel_tool_use) forced.disable_parallel_tool_use = true;
    body.tool_choice = forced;
  }
  return JSON_TOOL;
}

function thinking(
  req: ChatRequest,
  body: AnthropicMessagesRequest,
  o: ConvertOptions,
  explicitMax: boolean,
  warn: (m: string) => void,
): void {
  const effort = req.reasoning_effort;
  if (effort == null || effort === 'none') return;
  const wanted = o.thinkingBudgets[effort];
  if (!o.thinking || wanted === undefined) {
    warn(
      `reasoning_effort ${effort} dropped (${o.thinking ? 'unknown effort' : `${o.model} has no extended thinking`})`,
    );
    return;
  }
  if (body.tool_choice && (body.tool_choice.type === 'tool' || body.tool_choice.type === 'any')) {
    warn('reasoning_effort dropped (Anthropic does not allow thinking with a forced tool choice)');
    return;
  }
  if (openToolLoopWithoutThinking(body.messages)) {
    warn(
      'reasoning_effort dropped for this turn (Anthropic needs the thinking block that led to the pending tool calls, and the history does not carry it)',
    );
    return;
  }
  let budget = wanted;
  if (explicitMax && budget >= body.max_tokens) budget = body.max_tokens - 1;
  else if (!explicitMax && budget >= body.max_tokens) body.max_tokens = budget + o.defaultMaxTokens;
  if (budget < MIN_THINKING_BUDGET) {
    warn(`reasoning_effort dropped (max_tokens ${body.max_tokens} leaves no room for the minimum thinking budget)`);
    return;
  }
  body.thinking = { type: 'enabled', budget_tokens: budget };
  if (budget !== wanted) warn(`thinking budget reduced to ${budget} to stay below max_tokens`);
  if (body.temperature !== undefined) {
    delete body.temperature;
    warn('temperature dropped (Anthropic does not allow it with extended thinking)');
  }
  if (body.top_p !== undefined && body.top_p < 0.95) {
    delete body.top_p;
    warn('top_p dropped (Anthropic requires top_p >= 0.95 with extended thinking)');
  }
}

/**
 * True when the conversation ends in an open tool loop (the last user turn answers tool_use) whose
 * assistant turn does not start with a thinking block: Anthropic refuses thinking on such a request.
 */
function openToolLoopWithoutThinking(entries: AnthropicMessagesRequest['messages']): boolean {
  const messages = entries.filter((m): m is AnthropicMessageParam => m.role !== 'system');
  const last = messages.at(-1);
  const assistant = messages.at(-2);
  if (
    !last ||
    last.role !== 'user' ||
    !assistant ||
    assistant.role !== 'assistant' ||
    typeof assistant.content === 'string'
  )
    return false;
  const answersTools = typeof last.content !== 'string' && last.content.some((b) => b.type === 'tool_result');
  const first = assistant.content[0]?.type;
  return answersTools && first !== 'thinking' && first !== 'redacted_thinking';
}
