/**
 * Canonical (Chat Completions) request → Responses request, for a caller of another protocol
 * whose request only the Responses API can serve as asked: a web search (`web_search_options`)
 * on an OpenAI model that searches only through the hosted `web_search` tool. Pure.
 *
 * Carried: the messages as input items (system and developer messages, user text, images and files,
 * assistant text and function calls, tool results), function tools and tool_choice, the output
 * limit, sampling, reasoning effort, JSON output, the search as the hosted tool (its sources
 * asked for). What the Responses API has no field for is dropped and named in a warning.
 */
import type { ChatMessage, ChatRequest, ContentPart } from '@switchyard/core/protocol';
import type { Json } from './types.js';

type Warn = (message: string) => void;

/** Chat fields the Responses API takes under another name or shape (converted below), or means nothing to it. */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'reasoning_summary',
  'web_search_options',
  'max_web_searches',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
]);
/** Fields with the same name and meaning in both APIs. */
const SAME = ['temperature', 'top_p', 'user', 'parallel_tool_calls', 'safety_identifier', 'prompt_cache_key'];

export function chatToResponses(request: ChatRequest, model: string, warn: Warn): Json {
  const body: Json = { model, input: request.messages.flatMap((m) => inputItems(m, warn)), store: false };
  if (request.stream) body.stream = true;
  for (const key of SAME) if (request[key] != null) body[key] = request[key];
  if (request.service_tier != null && request.service_tier !== 'auto') body.service_tier = request.service_tier;
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (typeof limit === 'number') body.max_output_tokens = limit;
  if (request.reasoning_effort) body.reasoning = { effort: request.reasoning_effort };
  const tools: Json[] = (request.tools ?? []).map((t) => ({ type: 'function', ...t.function }));
  if (request.web_search_options != null) {
    tools.push(webSearchTool(request.web_search_options as Json));
    body.include = ['web_search_call.action.sources'];
    // The search is the only hosted tool: its calls are all the built-in ones max_tool_calls bounds.
    if (typeof request.max_web_searches === 'number') body.max_tool_calls = request.max_web_searches;
  }
  if (tools.length) body.tools = tools;
  const choice = request.tool_choice;
  if (choice !== undefined)
    body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.function.name };
  const format = request.response_format;
  if (format?.type === 'json_schema') body.text = { format: { type: 'json_schema', ...format.json_schema } };
  else if (format?.type === 'json_object') body.text = { format: { type: 'json_object' } };
  for (const key of Object.keys(request))
    if (!HANDLED.has(key) && request[key] != null) warn(`${key} dropped (the Responses API has no such field)`);
  return body;
}

/** Chat's `web_search_options` → the hosted `web_search` tool (same user_location and context size). */
function webSearchTool(options: Json): Json {
  const tool: Json = { type: 'web_search' };
  const where = (options.user_location as Json | undefined)?.approximate;
  if (where && typeof where === 'object') tool.user_location = { type: 'approximate', ...where };
  if (typeof options.search_context_size === 'string') tool.search_context_size = options.search_context_size;
  return tool;
}

function inputItems(message: ChatMessage, warn: Warn): Json[] {
  if (message.role === 'tool')
    return [{ type: 'function_call_output', call_id: message.tool_call_id, output: textOf(message.content) }];
  if (message.role !== 'assistant')
    return [{ type: 'message', role: message.role, content: inputParts(message.content, warn) }];
  const items: Json[] = [];
  const text = textOf(message.content ?? '');
  if (text)
    items.push({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  for (const call of message.tool_calls ?? [])
    items.push({
      type: 'function_call',
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    });
  return items;
}

function inputParts(content: string | ContentPart[], warn: Warn): Json[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  return content.flatMap((part): Json[] => {
    if (part.type === 'text') return [{ type: 'input_text', text: String(part.text) }];
    if (part.type === 'image_url') {
      const image = part.image_url as { url: string; detail?: string };
      return [{ type: 'input_image', image_url: image.url, detail: image.detail ?? 'auto' }];
    }
    if (part.type === 'file' && part.file && typeof part.file === 'object')
      return [{ type: 'input_file', ...part.file }];
    warn(`a ${part.type} part dropped (not carried to the Responses API)`);
    return [];
  });
}

function textOf(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? String(p.text) : '')).join('');
}
