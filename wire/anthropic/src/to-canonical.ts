/**
 * Anthropic Messages request → canonical (OpenAI Chat Completions) request, for Anthropic callers
 * served by upstreams of other protocols. Takes what today's clients send (Claude Code, the
 * Anthropic SDKs): `role: "system"` entries inside `messages` (kept at their place), per-turn and
 * top-level `output_config.effort`, adaptive and extended thinking, thinking blocks (kept as
 * reasoning blocks with their signatures), documents, deferred tools. What has no equivalent is
 * named in the warnings. Pure: no Koa, no tapable.
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
import { reasoningBlockOf } from './reasoning.js';
import { addWebSearch, isWebSearchTool, searchHistoryText } from './web-search.js';
import type {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessagesRequest,
  AnthropicSystemEntry,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from './types.js';

/** Fields of a Messages request this conversion understands; anything else is dropped with a warning. */
const HANDLED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
]);
/** Tool fields carried over; other custom-tool fields are named in a warning. */
const TOOL_FIELDS = new Set([
  'name',
  'description',
  'input_schema',
  'type',
  'cache_control',
  'strict',
  'defer_loading',
]);
/** Anthropic efforts canonical form has no name for, and the nearest it has. */
const EFFORT_APPROXIMATIONS: Readonly<Record<string, string>> = { xhigh: 'high', max: 'high' };
const EFFORTS = new Set(['low', 'medium', 'high']);

export interface CanonicalConversion {
  request: ChatRequest;
  /** What was dropped or approximated, for `x-switchyard-warnings`. */
  warnings: string[];
}

type Warn = (message: string) => void;

/** Anthropic Messages request → canonical chat request. */
export function anthropicToCanonical(body: AnthropicMessagesRequest): CanonicalConversion {
  const warnings = new Set<string>();
  const warn: Warn = (m) => void warnings.add(m);
  const messages = new MessageList();
  const system = systemText(body.system, warn);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  let turnEffort: string | undefined;
  for (const message of body.messages) {
    if (message.role === 'system') {
      const entry = message as AnthropicSystemEntry;
      const effort = entry.output_config?.effort;
      if (typeof effort === 'string') turnEffort = effort;
      const text = systemEntryText(entry, warn);
      if (text) messages.pushSystem(text);
    } else if (message.role === 'assistant') {
      messages.push(assistantMessage(message.content, warn));
    } else {
      userMessages(message.content, warn, messages);
    }
  }

  const request: ChatRequest = { model: body.model, messages: messages.done(), max_tokens: body.max_tokens };
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) request.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === 'string') request.user = body.metadata.user_id;

  const tools = convertTools(body.tools, warn);
  addWebSearch(request, body.tools, warn);
  if (tools.length) {
    request.tools = tools;
    const choice = body.tool_choice;
    if (choice) {
      request.tool_choice = toolChoice(choice);
      if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true)
        request.parallel_tool_calls = false;
    }
  }
  const effort = reasoningEffort(body, turnEffort, warn);
  if (effort) request.reasoning_effort = effort;
  if (showsThinking(body)) request.reasoning_summary = true;
  const format = body.output_config?.format;
  if (format?.type === 'json_schema') {
    request.response_format = {
      type: 'json_schema',
      json_schema: { name: 'output', schema: format.schema, strict: true },
    };
  }
  for (const key of Object.keys(body.output_config ?? {})) {
    if (key !== 'effort' && key !== 'format' && body.output_config?.[key] != null)
      warn(`output_config.${key} dropped (no equivalent upstream)`);
  }
  for (const key of Object.keys(body)) {
    if (!HANDLED.has(key) && body[key] !== undefined && body[key] !== null)
      warn(`${key} dropped (no equivalent upstream)`);
  }
  return { request, warnings: [...warnings] };
}

/**
 * Canonical messages in order, with one rule OpenAI-style APIs need: tool results follow the
 * assistant turn that called the tools. A system entry placed between the two (its place in the
 * conversation) is moved to just after the results.
 */
class MessageList {
  readonly list: ChatMessage[] = [];
  /** System entries waiting for the tool results of the assistant turn before them. */
  #held: ChatMessage[] = [];

  push(message: ChatMessage): void {
    this.#release();
    this.list.push(message);
  }

  pushSystem(text: string): void {
    const last = this.list.at(-1);
    const message: ChatMessage = { role: 'system', content: text };
    if (this.#held.length || (last?.role === 'assistant' && last.tool_calls?.length)) this.#held.push(message);
    else this.list.push(message);
  }

  /** Tool results go in before held system entries. */
  pushToolResult(message: ChatMessage): void {
    this.list.push(message);
  }

  #release(): void {
    if (!this.#held.length) return;
    this.list.push(...this.#held);
    this.#held = [];
  }

  /** Call once the tool results of a user turn are in. */
  settle(): void {
    this.#release();
  }

  /** Every message, held ones included. */
  done(): ChatMessage[] {
    this.#release();
    return this.list;
  }
}

/** Thinking on and not `display: "omitted"`: the caller shows the model's reasoning. */
function showsThinking(body: AnthropicMessagesRequest): boolean {
  const thinking = body.thinking as { type?: string; display?: string } | undefined;
  return (thinking?.type === 'enabled' || thinking?.type === 'adaptive') && thinking.display !== 'omitted';
}

function reasoningEffort(
  body: AnthropicMessagesRequest,
  turnEffort: string | undefined,
  warn: Warn,
): string | undefined {
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  if (thinking?.type === 'disabled') return undefined;
  const effort = turnEffort ?? (typeof body.output_config?.effort === 'string' ? body.output_config.effort : undefined);
  if (effort !== undefined) {
    if (EFFORTS.has(effort)) return effort;
    const near = EFFORT_APPROXIMATIONS[effort];
    if (near) warn(`output_config.effort ${effort} approximated as reasoning_effort ${near}`);
    else warn(`output_config.effort ${effort} dropped (unknown effort)`);
    return near;
  }
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens ?? 0;
    const approximated = budget <= 2048 ? 'low' : budget <= 8192 ? 'medium' : 'high';
    warn(`thinking.budget_tokens approximated as reasoning_effort ${approximated}`);
    return approximated;
  }
  return undefined; // adaptive without an effort: the target's own default
}

function systemText(system: AnthropicMessagesRequest['system'], warn: Warn): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system || undefined;
  if (system.some((b) => b.cache_control)) warn('cache_control dropped (upstream has no prompt caching markers)');
  const text = system.map((b) => b.text).join('\n');
  return text || undefined;
}

function systemEntryText(entry: AnthropicSystemEntry, warn: Warn): string {
  for (const key of Object.keys(entry)) {
    if (key !== 'role' && key !== 'content' && key !== 'output_config' && entry[key] != null)
      warn(`messages[].${key} of system entries dropped (no equivalent upstream)`);
  }
  const content = entry.content;
  if (typeof content === 'string') return content;
  let text = '';
  for (const block of content ?? []) {
    if ((block as { cache_control?: unknown }).cache_control)
      warn('cache_control dropped (upstream has no prompt caching markers)');
    if (block.type === 'text' && typeof block.text === 'string') text += (text ? '\n' : '') + block.text;
    else warn(`${block.type} blocks in system entries dropped (no equivalent upstream)`);
  }
  return text;
}

function userMessages(content: string | AnthropicContentBlock[], warn: Warn, out: MessageList): void {
  if (typeof content === 'string') return out.push({ role: 'user', content });
  if (content.some((b) => (b as { cache_control?: unknown }).cache_control))
    warn('cache_control dropped (upstream has no prompt caching markers)');
  const parts: ContentPart[] = [];
  // Images and files a tool returned: tool messages carry text only, so they follow in this user turn.
  const attached: ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result')
      out.pushToolResult(toolMessage(block as AnthropicToolResultBlock, warn, attached));
    else parts.push(...userParts(block, warn));
  }
  out.settle();
  parts.unshift(...attached);
  // OpenAI wants tool results right after the assistant's tool calls: they go first.
  if (parts.length)
    out.push({
      role: 'user',
      content: parts.length === 1 && parts[0]!.type === 'text' ? (parts[0] as { text: string }).text : parts,
    });
}

/** One user content block → canonical parts. */
function userParts(block: AnthropicContentBlock, warn: Warn): ContentPart[] {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? [{ type: 'text', text: block.text }] : [];
    case 'image':
      if (isImageSource(block.source)) return [imagePart(block as AnthropicImageBlock)];
      warn('image content blocks dropped (no equivalent upstream)');
      return [];
    case 'document':
      return documentParts(block as AnthropicDocumentBlock, warn);
    case 'search_result':
      return [{ type: 'text', text: searchResultText(block) }];
    default:
      warn(`${block.type} content blocks dropped (no equivalent upstream)`);
      return [];
  }
}

/**
 * A document → what OpenAI-style upstreams read: a base64 PDF as a `file` part, plain text (or
 * a content document's text) as text with its title and context. Citations cannot be asked for.
 */
function documentParts(doc: AnthropicDocumentBlock, warn: Warn): ContentPart[] {
  if (doc.citations?.enabled) warn('citations dropped (only Anthropic upstreams cite documents)');
  const source = doc.source as { type: string; media_type?: unknown; data?: unknown; content?: unknown };
  const heading = [doc.title, doc.context].filter((t): t is string => typeof t === 'string' && t !== '').join('\n');
  const titled = (text: string): ContentPart => ({ type: 'text', text: heading ? `${heading}\n\n${text}` : text });
  if (source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
    const filename = `${typeof doc.title === 'string' && doc.title ? doc.title : 'document'}${source.media_type === 'application/pdf' && !/\.pdf$/i.test(String(doc.title ?? '')) ? '.pdf' : ''}`;
    return [{ type: 'file', file: { filename, file_data: `data:${source.media_type};base64,${source.data}` } }];
  }
  if (source.type === 'text' && typeof source.data === 'string') return [titled(source.data)];
  if (source.type === 'content') {
    const content = source.content;
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .map((b: { type?: unknown; text?: unknown }) =>
                b.type === 'text' && typeof b.text === 'string' ? b.text : '',
              )
              .join('\n')
          : '';
    return text ? [titled(text)] : [];
  }
  warn(`document blocks with a ${source.type} source dropped (no equivalent upstream)`);
  return [];
}

function searchResultText(block: AnthropicContentBlock): string {
  const content = Array.isArray(block.content) ? (block.content as Array<{ type?: unknown; text?: unknown }>) : [];
  const text = content
    .map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .filter(Boolean)
    .join('\n');
  return [block.title, block.source, text].filter((t) => typeof t === 'string' && t !== '').join('\n');
}

function assistantMessage(content: string | AnthropicContentBlock[], warn: Warn): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const calls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  // Text after a search's own lines starts on a line of its own; spans of one answer join as they were.
  let afterSearch = false;
  for (const block of content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += (afterSearch && text ? '\n' : '') + block.text;
      afterSearch = false;
      if (Array.isArray(block.citations) && block.citations.length)
        warn('citations in the history dropped (kept as plain text)');
    } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      const use = block as AnthropicToolUseBlock;
      calls.push({
        id: use.id,
        type: 'function',
        function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
      });
    } else if (block.type === 'server_tool_use' || block.type === 'web_search_tool_result') {
      const said = searchHistoryText(block);
      if (said !== undefined) {
        text += (text ? '\n' : '') + said;
        afterSearch = true;
      } else warn(`${block.type} content blocks dropped (no equivalent upstream)`);
    } else {
      const thought = reasoningBlockOf(block);
      if (thought) reasoning.push(thought);
      else warn(`${block.type} content blocks dropped (no equivalent upstream)`);
    }
  }
  const message: ChatMessage = { role: 'assistant', content: text || null };
  if (calls.length) message.tool_calls = calls;
  // Kept for an upstream that takes them back (Anthropic); the provider of any other drops them with a warning.
  if (reasoning.length) message.reasoning_blocks = reasoning;
  return message;
}

/** A tool_result as a tool message; its images and files go to `attached`, after a line naming the call. */
function toolMessage(block: AnthropicToolResultBlock, warn: Warn, attached: ContentPart[]): ChatMessage {
  let text = '';
  const moved: ContentPart[] = [];
  if (typeof block.content === 'string') text = block.content;
  else if (Array.isArray(block.content)) {
    for (const part of block.content) {
      if (part.type === 'text' && typeof part.text === 'string') text += part.text;
      else if (part.type === 'document' && (part as AnthropicDocumentBlock).source?.type === 'text')
        text += String(((part as AnthropicDocumentBlock).source as { data?: unknown }).data ?? '');
      else
        for (const converted of userParts(part, warn)) {
          if (converted.type === 'text') text += converted.text;
          else moved.push(converted);
        }
    }
  }
  if (moved.length) {
    warn('images and files in tool_result sent in a user message after the tool results (tool messages carry text)');
    attached.push({ type: 'text', text: `Attached to the result of tool call ${block.tool_use_id}:` }, ...moved);
    if (!text) text = '(attached in the next message)';
  }
  if (block.is_error === true) warn('tool_result.is_error approximated as an "Error:" prefix');
  return { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
}

function isImageSource(value: unknown): boolean {
  const source = value as { type?: unknown; data?: unknown; url?: unknown } | null | undefined;
  return (
    (source?.type === 'base64' && typeof source.data === 'string') ||
    (source?.type === 'url' && typeof source.url === 'string')
  );
}

function imagePart(block: AnthropicImageBlock): ContentPart {
  const source = block.source;
  const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: 'image_url', image_url: { url } };
}

/**
 * Custom tools → functions. The web search server tool becomes `web_search_options` (the
 * upstream's own search); other server tools (typed) are left out, each named: only Anthropic
 * upstreams run them.
 */
function convertTools(tools: AnthropicMessagesRequest['tools'], warn: Warn): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  const out: FunctionTool[] = [];
  for (const tool of tools) {
    if (isWebSearchTool(tool)) continue; // → web_search_options (web-search.ts)
    if (tool.type !== undefined && tool.type !== 'custom') {
      warn(`server tool ${tool.name} (${tool.type}) dropped (only Anthropic upstreams run it)`);
      continue;
    }
    const fn: FunctionTool['function'] = {
      name: tool.name,
      parameters: tool.input_schema ?? { type: 'object', properties: {} },
    };
    if (tool.description !== undefined) fn.description = tool.description;
    if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
    if (tool.cache_control) warn('cache_control dropped (upstream has no prompt caching markers)');
    if (tool.defer_loading === true) warn('tools[].defer_loading dropped (deferred tools are offered up front)');
    for (const key of Object.keys(tool))
      if (!TOOL_FIELDS.has(key) && tool[key] != null) warn(`tools[].${key} dropped (no equivalent upstream)`);
    out.push({ type: 'function', function: fn });
  }
  return out;
}

function toolChoice(choice: NonNullable<AnthropicMessagesRequest['tool_choice']>): ToolChoice {
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return 'auto';
  }
}
