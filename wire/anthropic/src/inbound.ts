/**
 * Pure conversions between the Anthropic Messages shapes and canonical (OpenAI) form, for
 * Anthropic callers served by non-Anthropic upstreams. No Koa, no tapable.
 */
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicStopReason,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
  AnthropicUsage,
} from './types.js';
import type {
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  ContentPart,
  FinishReason,
  FunctionTool,
  ToolCall,
  ToolChoice,
  Usage,
} from '@switchyard/core';

/** Fields of a Messages request this conversion understands; anything else is dropped with a warning. */
const HANDLED = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stream', 'temperature', 'top_p', 'stop_sequences',
  'tools', 'tool_choice', 'metadata', 'thinking', 'output_config',
]);

export interface CanonicalConversion {
  request: ChatRequest;
  /** What was dropped or approximated, for `x-switchyard-warnings`. */
  warnings: string[];
}

/** Anthropic Messages request → canonical chat request. */
export function anthropicToCanonical(body: AnthropicMessagesRequest): CanonicalConversion {
  const warnings = new Set<string>();
  const warn = (m: string): void => void warnings.add(m);
  const messages: ChatMessage[] = [];
  const system = systemText(body.system, warn);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  for (const message of body.messages) messages.push(...convertMessage(message.role, message.content, warn));

  const request: ChatRequest = { model: body.model, messages, max_tokens: body.max_tokens };
  if (body.stream === true) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  if (typeof body.temperature === 'number') request.temperature = body.temperature;
  if (typeof body.top_p === 'number') request.top_p = body.top_p;
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) request.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === 'string') request.user = body.metadata.user_id;

  const tools = convertTools(body.tools, warn);
  if (tools.length) {
    request.tools = tools;
    const choice = body.tool_choice;
    if (choice) {
      request.tool_choice = toolChoice(choice);
      if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
    }
  }
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens ?? 0;
    request.reasoning_effort = budget <= 2048 ? 'low' : budget <= 8192 ? 'medium' : 'high';
    warn(`thinking.budget_tokens approximated as reasoning_effort ${request.reasoning_effort}`);
  }
  const format = body.output_config?.format;
  if (format?.type === 'json_schema') {
    request.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  }
  for (const key of Object.keys(body)) {
    if (!HANDLED.has(key) && body[key] !== undefined && body[key] !== null) warn(`${key} dropped (no equivalent upstream)`);
  }
  return { request, warnings: [...warnings] };
}

function systemText(system: AnthropicMessagesRequest['system'], warn: (m: string) => void): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system || undefined;
  if (system.some((b) => b.cache_control)) warn('cache_control dropped (upstream has no prompt caching markers)');
  const text = system.map((b) => b.text).join('\n');
  return text || undefined;
}

function convertMessage(role: 'user' | 'assistant', content: string | AnthropicContentBlock[], warn: (m: string) => void): ChatMessage[] {
  if (typeof content === 'string') return [{ role, content }];
  if (content.some((b) => (b as { cache_control?: unknown }).cache_control)) {
    warn('cache_control dropped (upstream has no prompt caching markers)');
  }
  if (role === 'assistant') return [assistantMessage(content, warn)];
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') out.push(toolMessage(block as AnthropicToolResultBlock, warn));
    else if (block.type === 'text' && typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image' && isSource(block.source)) parts.push(imagePart(block as AnthropicImageBlock));
    else warn(`${block.type} content blocks dropped (no equivalent upstream)`);
  }
  // OpenAI wants tool results right after the assistant's tool calls: they go first.
  if (parts.length) out.push({ role: 'user', content: parts.every((p) => p.type === 'text') && parts.length === 1 ? (parts[0] as { text: string }).text : parts });
  return out;
}

function assistantMessage(content: AnthropicContentBlock[], warn: (m: string) => void): ChatMessage {
  let text = '';
  const calls: ToolCall[] = [];
  for (const block of content) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      const use = block as AnthropicToolUseBlock;
      calls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      warn('thinking blocks in the history dropped');
    } else warn(`${block.type} content blocks dropped (no equivalent upstream)`);
  }
  const message: ChatMessage = { role: 'assistant', content: text || null };
  if (calls.length) message.tool_calls = calls;
  return message;
}

function toolMessage(block: AnthropicToolResultBlock, warn: (m: string) => void): ChatMessage {
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else if (Array.isArray(block.content)) {
    for (const part of block.content) {
      if (part.type === 'text' && typeof part.text === 'string') text += part.text;
      else warn(`${part.type} blocks inside tool_result dropped`);
    }
  }
  if (block.is_error === true) warn('tool_result.is_error approximated as an "Error:" prefix');
  return { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
}

function isSource(value: unknown): boolean {
  const source = value as { type?: unknown; data?: unknown; url?: unknown } | null | undefined;
  return (source?.type === 'base64' && typeof source.data === 'string') || (source?.type === 'url' && typeof source.url === 'string');
}

function imagePart(block: AnthropicImageBlock): ContentPart {
  const source = block.source;
  const url = source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
  return { type: 'image_url', image_url: { url } };
}

function convertTools(tools: AnthropicMessagesRequest['tools'], warn: (m: string) => void): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  const out: FunctionTool[] = [];
  for (const tool of tools) {
    if (tool.type !== undefined && tool.type !== 'custom') {
      warn(`server tool ${tool.name} (${tool.type}) dropped (no equivalent upstream)`);
      continue;
    }
    const fn: FunctionTool['function'] = { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } };
    if (tool.description !== undefined) fn.description = tool.description;
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

/** OpenAI finish_reason → Anthropic stop_reason. */
export function stopReasonOf(finish: FinishReason | null | undefined): AnthropicStopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Canonical usage → Anthropic usage (Anthropic's input_tokens exclude cache reads). */
export function anthropicUsageOf(usage: Usage | null | undefined): AnthropicUsage {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0;
  const out: AnthropicUsage = { input_tokens: Math.max(0, usage.prompt_tokens - cached - written), output_tokens: usage.completion_tokens };
  if (written) out.cache_creation_input_tokens = written;
  if (cached) out.cache_read_input_tokens = cached;
  const hour = usage.prompt_tokens_details?.cache_write_1h_tokens ?? 0;
  if (hour) out.cache_creation = { ephemeral_5m_input_tokens: Math.max(0, written - hour), ephemeral_1h_input_tokens: hour };
  return out;
}

/** Anthropic usage → canonical usage (prompt_tokens include cache reads and writes). */
export function canonicalUsageOf(usage: Partial<AnthropicUsage> | undefined): Usage | undefined {
  if (!usage) return undefined;
  const read = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + read + written;
  const completion = usage.output_tokens ?? 0;
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  // Writes to the one-hour cache are priced apart; cache_creation splits cache_creation_input_tokens by lifetime.
  const hour = Math.min(written, usage.cache_creation?.ephemeral_1h_input_tokens ?? 0);
  if (read || written) out.prompt_tokens_details = { cached_tokens: read, ...(written ? { cache_write_tokens: written } : {}), ...(hour ? { cache_write_1h_tokens: hour } : {}) };
  return out;
}

/** An Anthropic message id for a canonical completion id. */
export function messageId(id: string | undefined): string {
  if (!id) return `msg_${Date.now().toString(36)}`;
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

/** Canonical completion → Anthropic message. */
export function canonicalToAnthropicMessage(completion: ChatCompletion, model: string): AnthropicMessage {
  const choice = completion.choices[0];
  const content: AnthropicContentBlock[] = [];
  const message = choice?.message;
  if (message?.reasoning_content) content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  if (typeof message?.content === 'string' && message.content) content.push({ type: 'text', text: message.content });
  else if (message?.refusal) content.push({ type: 'text', text: message.refusal });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  return {
    id: messageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: completion.model || model,
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage),
  };
}

/** Tool-call arguments (a JSON string) → a tool_use input object; unparseable text is kept under `_raw`. */
export function parseArguments(text: string | undefined): unknown {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : { _value: value };
  } catch {
    return { _raw: text };
  }
}
