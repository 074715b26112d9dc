import { takesOneSamplingField } from '@switchyard/wire-anthropic';
/**
 * Canonical (OpenAI Chat Completions) request → Bedrock Converse request. Pure: no Koa, no tapable.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ToolChoice as CanonicalToolChoice,
} from '@switchyard/core/protocol';
import type {
  ContentBlock,
  ConverseRequest,
  DocumentFormat,
  ImageFormat,
  Message,
  SystemBlock,
  ToolChoice,
  ToolResultContent,
  ToolSpec,
} from './converse-types.js';
import {
  converseToolUseId,
  fitToolChoice,
  toolHistoryAsText,
  withoutCachePointsAfterTextDocuments,
} from './converse-fit.js';

/** The tool a json_object / json_schema response_format is forced through. */
export const JSON_TOOL = 'json_response';

export type Warn = (message: string) => void;

export interface ConverseConversion {
  body: ConverseRequest;
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
  'n',
  'reasoning_summary', // nothing to ask: what reasoning Bedrock shows comes back unasked
  'max_web_searches', // a limit of web_search_options, named when that is dropped
]);

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const DOCUMENT_FORMATS: Record<string, DocumentFormat> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};
const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;
const CACHE_POINT = { cachePoint: { type: 'default' } } as const;
/** Converse's temperature range is 0–1 (OpenAI's 0–2). */
const MAX_TEMPERATURE = 1;
const MAX_DOCUMENT_NAME = 200;

/** `model`: the Bedrock model id, for what the model takes (Claude 4.5 and later: temperature or topP, not both). */
export function toConverse(req: ChatRequest, warn: Warn, model = ''): ConverseConversion {
  for (const key of Object.keys(req)) {
    if (!HANDLED.has(key) && req[key] !== undefined && req[key] !== null)
      warn(`${key} has no Bedrock Converse equivalent and was dropped`);
  }
  if (req.n != null && req.n > 1) warn(`n=${req.n} dropped (Converse returns one choice)`);
  const system: SystemBlock[] = [];
  const messages = toMessages(req.messages, system, warn);
  const body: ConverseRequest = { messages };
  if (system.length) body.system = system;
  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') inference.maxTokens = max;
  if (typeof req.temperature === 'number') {
    inference.temperature = Math.min(req.temperature, MAX_TEMPERATURE);
    if (req.temperature > MAX_TEMPERATURE)
      warn(`temperature ${req.temperature} clamped to ${MAX_TEMPERATURE} (Bedrock's range is 0-1)`);
  }
  if (typeof req.top_p === 'number') {
    if (inference.temperature !== undefined && takesOneSamplingField(model))
      warn(`top_p dropped (${model} takes temperature or top_p, not both)`);
    else inference.topP = req.top_p;
  }
  const stops = (typeof req.stop === 'string' ? [req.stop] : (req.stop ?? [])).filter((s) => s !== '');
  if (stops.length) inference.stopSequences = stops;
  if (Object.keys(inference).length) body.inferenceConfig = inference;
  const out: ConverseConversion = { body };
  const jsonTool = tools(req, body, model, warn);
  if (jsonTool) out.jsonTool = jsonTool;
  if (!body.toolConfig) toolHistoryAsText(body.messages, warn);
  withoutCachePointsAfterTextDocuments(body, model, warn);
  return out;
}

function toMessages(input: ChatMessage[], system: SystemBlock[], warn: Warn): Message[] {
  const out: Message[] = [];
  const push = (role: Message['role'], blocks: ContentBlock[]): void => {
    if (!blocks.length) return;
    const last = out.at(-1);
    // Converse wants alternating turns: consecutive same-role messages merge into one turn.
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  input.forEach((m, i) => {
    if (typeof m.name === 'string' && m.role !== 'tool')
      warn(`messages[${i}].name has no Bedrock Converse equivalent and was dropped`);
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m.content));
        return;
      case 'user':
        return push('user', withTextBesideDocuments(userBlocks(m.content, i, warn), i, warn));
      case 'assistant': {
        const blocks: ContentBlock[] = textBlocks(m.content ?? null) as ContentBlock[];
        if (m.reasoning_content)
          warn(`messages[${i}].reasoning_content is not sent back (Bedrock needs signed reasoning blocks)`);
        for (const call of m.tool_calls ?? [])
          blocks.push({
            toolUse: {
              toolUseId: converseToolUseId(call.id),
              name: call.function.name,
              input: toolInput(call.function.arguments, call.id, warn),
            },
          });
        return push('assistant', blocks);
      }
      case 'tool':
        return push('user', [
          {
            toolResult: {
              toolUseId: converseToolUseId(m.tool_call_id),
              content: [toolResultContent(textOf(m.content))],
            },
          },
        ]);
      default:
        warn(`messages[${i}] has role "${(m as { role: string }).role}", which Converse does not know; it was dropped`);
    }
  });
  return out;
}

/** Text content as text blocks; a `cache_control` mark on a part becomes a cachePoint after it. */
function textBlocks(content: string | ContentPart[] | null): Array<{ text: string } | typeof CACHE_POINT> {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  const blocks: Array<{ text: string } | typeof CACHE_POINT> = [];
  for (const part of content ?? []) {
    if (part.type !== 'text' || typeof part.text !== 'string' || !part.text) continue;
    blocks.push({ text: part.text });
    if (hasCacheControl(part)) blocks.push(CACHE_POINT);
  }
  return blocks;
}

function hasCacheControl(part: ContentPart): boolean {
  return (part as { cache_control?: { type?: unknown } }).cache_control?.type === 'ephemeral';
}

function userBlocks(content: string | ContentPart[], i: number, warn: Warn): ContentBlock[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  const blocks: ContentBlock[] = [];
  content.forEach((part, j) => {
    const at = `messages[${i}].content[${j}]`;
    if (part.type === 'text') {
      blocks.push(...textBlocks([part]));
    } else if (part.type === 'image_url') {
      const image = (part as { image_url?: { url?: string; detail?: string } }).image_url;
      if (image?.detail !== undefined && image.detail !== 'auto')
        warn(`${at}.image_url.detail has no Bedrock Converse equivalent and was dropped`);
      const data = DATA_URL.exec(image?.url ?? '');
      const format = data ? IMAGE_FORMATS[data[1]!.toLowerCase()] : undefined;
      if (data && format) blocks.push({ image: { format, source: { bytes: data[2]! } } });
      else warn(`${at}: Bedrock takes images as base64 data URLs of png, jpeg, gif or webp; this one was dropped`);
      if (hasCacheControl(part)) blocks.push(CACHE_POINT);
    } else if (part.type === 'file') {
      const file = (part as { file?: { file_data?: string; filename?: string } }).file;
      const data = DATA_URL.exec(file?.file_data ?? '');
      const format = data ? DOCUMENT_FORMATS[data[1]!.toLowerCase()] : undefined;
      if (data && format)
        blocks.push({
          document: { format, name: documentName(file?.filename, blocks.length), source: { bytes: data[2]! } },
        });
      else
        warn(
          `${at}: Bedrock takes documents as base64 data URLs of pdf, csv, doc(x), xls(x), html, txt or md; this one was dropped`,
        );
      if (hasCacheControl(part)) blocks.push(CACHE_POINT);
    } else {
      warn(`${at}: content part type "${part.type}" has no Bedrock Converse equivalent and was dropped`);
    }
  });
  return blocks;
}

/**
 * Converse document names allow letters, digits, whitespace, hyphens, parentheses and brackets,
 * without an extension, at most 200 characters.
 */
function documentName(filename: string | undefined, n: number): string {
  const base = (filename ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, '-')
    .replace(/\s+/g, ' ')
    .slice(0, MAX_DOCUMENT_NAME)
    .trim();
  return base || `document-${n + 1}`;
}

/** Converse takes no document in a message without text: one naming the documents is added, with a warning. */
function withTextBesideDocuments(blocks: ContentBlock[], i: number, warn: Warn): ContentBlock[] {
  const names = blocks.flatMap((b) => ('document' in b ? [b.document.name] : []));
  if (names.length === 0 || blocks.some((b) => 'text' in b)) return blocks;
  warn(`messages[${i}]: a text naming its documents was added (Converse takes no document without text)`);
  return [...blocks, { text: names.join(', ') }];
}

function toolInput(args: string, id: string, warn: Warn): unknown {
  try {
    const input: unknown = args.trim() === '' ? {} : JSON.parse(args);
    if (input && typeof input === 'object' && !Array.isArray(input)) return input;
  } catch {
    /* below */
  }
  warn(`tool call ${id}: arguments are not a JSON object; sent as {}`);
  return {};
}

/** A JSON object result goes as `json`, anything else as `text`. */
function toolResultContent(text: string): ToolResultContent {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { json: parsed };
  } catch {
    /* plain text */
  }
  return { text: text || '(empty)' };
}

function textOf(content: string | ContentPart[]): string {
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

function tools(req: ChatRequest, body: ConverseRequest, model: string, warn: Warn): string | undefined {
  const specs: ToolSpec[] = [];
  (req.tools ?? []).forEach((tool, i) => {
    if (tool.type !== 'function' || !tool.function) {
      warn(`tools[${i}] of type "${String(tool.type)}" has no Bedrock Converse equivalent and was dropped`);
      return;
    }
    const { name, description, parameters, strict } = tool.function;
    if (strict !== undefined) warn(`tools[${i}].function.strict has no Bedrock Converse equivalent and was dropped`);
    specs.push({
      toolSpec: {
        name,
        ...(description ? { description } : {}),
        inputSchema: { json: parameters ?? { type: 'object', properties: {} } },
      },
    });
  });
  if (req.parallel_tool_calls === false)
    warn('parallel_tool_calls: false has no Bedrock Converse equivalent and was dropped');
  let choice = toolChoice(req.tool_choice, specs.length > 0, warn);
  const usesTools = body.messages.some((m) => m.content.some((b) => 'toolUse' in b || 'toolResult' in b));
  if (req.tool_choice === 'none') {
    // Converse cannot forbid tool use; without tools in the history they are simply not offered.
    if (!usesTools) specs.length = 0;
    else warn('tool_choice "none" has no Bedrock Converse equivalent: the tools stay offered (the history uses them)');
  }
  let jsonTool: string | undefined;
  const format = req.response_format;
  if (format && format.type !== 'text') {
    const schema =
      format.type === 'json_schema' ? (format.json_schema.schema ?? { type: 'object' }) : { type: 'object' };
    const description =
      format.type === 'json_schema' && format.json_schema.description
        ? format.json_schema.description
        : "Respond with the answer as this tool's input: a JSON object.";
    const callersTools = specs.length > 0;
    specs.push({ toolSpec: { name: JSON_TOOL, description, inputSchema: { json: schema } } });
    if (choice && !('auto' in choice))
      warn("response_format with tool_choice: the JSON tool is offered, not forced, so the caller's tool_choice holds");
    // "auto" (asked, or by default): the answer is the JSON tool's call, so some tool is forced (theirs or the
    // JSON tool) and a plain-text answer outside the schema cannot happen; the JSON tool alone would leave theirs uncallable.
    else choice = callersTools ? { any: {} } : { tool: { name: JSON_TOOL } };
    jsonTool = JSON_TOOL;
  }
  const names = specs.map((t) => t.toolSpec.name);
  choice = fitToolChoice(
    choice,
    model,
    names,
    jsonTool && (!req.tool_choice || req.tool_choice === 'auto') ? 'response_format' : 'tool_choice',
    warn,
  );
  if (specs.length) body.toolConfig = choice ? { tools: specs, toolChoice: choice } : { tools: specs };
  return jsonTool;
}

function toolChoice(choice: CanonicalToolChoice | undefined, hasTools: boolean, warn: Warn): ToolChoice | undefined {
  if (choice === undefined || choice === 'none' || !hasTools) return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (typeof choice === 'object' && typeof choice.function?.name === 'string')
    return { tool: { name: choice.function.name } };
  warn('tool_choice has an unknown form and was dropped');
  return undefined;
}
