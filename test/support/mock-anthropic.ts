/**
 * A mock Anthropic Messages API upstream for gateway tests.
 *
 * Plain `node:http` on 127.0.0.1. Validates requests the way the real API does (required
 * fields, unknown fields, alternating roles, tool_use/tool_result pairing, image media types,
 * cache_control limits, sampling fields refused by anthropic-version 2026-10-21), answers
 * with Anthropic's error bodies and statuses, streams byte-faithful SSE (`event:` + `data:`,
 * ping, text/input_json/thinking deltas), records every request and injects faults.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A fault for one response. Stream faults count SSE events (message_start is the first). */
export type AnthropicFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'cut'; afterEvents: number }
  | { kind: 'streamError'; afterEvents: number; type?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  rawBody: string;
}

export interface MockAnthropic {
  readonly origin: string;
  /** What a provider's baseUrl is set to (the API adds /v1/messages). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Faults for the next requests, one each, in order. */
  queueFault(...faults: AnthropicFault[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface MockAnthropicOptions {
  /** Requests must carry this key as x-api-key (or Authorization: Bearer). */
  apiKey?: string;
  /** Prefixed to replies, to tell instances apart. */
  name?: string;
  models?: string[];
  /** Text deltas per text block in a stream. @default 3 */
  chunks?: number;
  /**
   * Imitate Anthropic's prompt cache: each cache_control breakpoint whose prefix (tools → system
   * → messages) reaches `minCacheTokens` is written; a later request reads the longest cached
   * prefix found at or up to 20 blocks before one of its breakpoints. Usage then reports real
   * cache_read_input_tokens / cache_creation_input_tokens (tokens: characters / 4). Without it,
   * any request with cache_control reports 100 tokens read.
   */
  promptCache?: boolean;
  /** @default 1024 */
  minCacheTokens?: number;
}

type Json = Record<string, any>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};
const KNOWN_FIELDS = new Set([
  'model', 'max_tokens', 'messages', 'system', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'tools',
  'tool_choice', 'metadata', 'thinking', 'output_config', 'service_tier', 'container', 'cache_control', 'inference_geo',
  'speed', 'diagnostics', 'mcp_servers', 'context_management',
]);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const NO_SAMPLING_VERSION = '2026-10-21';
const MAX_CACHE_BREAKPOINTS = 4;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

export function anthropicError(status: number, message: string, type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')): Json {
  return { type: 'error', error: { type, message }, request_id: id('req_') };
}

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const mock = new Mock(options);
  await mock.listen();
  return mock;
}

class Mock implements MockAnthropic {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #faults: AnthropicFault[] = [];
  readonly #name: string;
  readonly #models: string[];
  readonly #chunks: number;
  /** Prefix hash → its tokens, for `promptCache`. */
  readonly #cache = new Map<string, number>();

  constructor(private readonly options: MockAnthropicOptions) {
    this.#name = options.name ?? 'mock';
    this.#models = options.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];
    this.#chunks = options.chunks ?? 3;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get baseUrl(): string {
    return this.origin;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  queueFault(...faults: AnthropicFault[]): void {
    this.#faults.push(...faults);
  }

  reset(): void {
    this.requests.length = 0;
    this.#faults.length = 0;
    this.#cache.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers }, body, rawBody });
    const fault = path.startsWith('/v1/messages') ? this.#faults.shift() : undefined;
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      return sendJson(res, fault.status, fault.body ?? anthropicError(fault.status, fault.status === 529 ? 'Overloaded' : `mock error ${fault.status}`), fault.headers);
    }
    const auth = this.#auth(req);
    if (auth) return sendJson(res, 401, auth);
    const pathname = new URL(path, 'http://mock').pathname;
    if (req.method === 'GET' && pathname === '/v1/models') return sendJson(res, 200, modelList(this.#models));
    if (req.method !== 'POST' || (pathname !== '/v1/messages' && pathname !== '/v1/messages/count_tokens')) {
      return sendJson(res, 404, anthropicError(404, `Not found: ${req.method} ${pathname}`));
    }
    if (!isObject(body)) return sendJson(res, 400, anthropicError(400, 'There was an error parsing the body of your request'));
    const version = header(req, 'anthropic-version');
    if (!version) return sendJson(res, 400, anthropicError(400, 'anthropic-version: header is required'));
    const counting = pathname.endsWith('/count_tokens');
    const problem = validateMessagesBody(body, version, counting);
    if (problem) return sendJson(res, 400, anthropicError(400, problem));
    if (counting) return sendJson(res, 200, { input_tokens: inputTokens(body) });
    const message = this.#answer(body);
    if (body.stream !== true) return sendJson(res, 200, message);
    return writeStream(res, messageStreamEvents(message, this.#chunks), fault, req);
  }

  #auth(req: IncomingMessage): Json | undefined {
    const key = this.options.apiKey;
    if (key === undefined) return undefined;
    const bearer = header(req, 'authorization')?.replace(/^Bearer\s+/i, '');
    if (header(req, 'x-api-key') === key || bearer === key) return undefined;
    return anthropicError(401, header(req, 'x-api-key') || bearer ? 'invalid x-api-key' : 'x-api-key header is required');
  }

  #answer(body: Json): Json {
    const cache = this.options.promptCache
      ? simulateCache(body, this.#cache, this.options.minCacheTokens ?? 1024)
      : { read: countCacheControl(body) > 0 ? 100 : 0, written: 0 };
    return answerMessages(body, this.#name, cache, this.options.promptCache === true);
  }
}

/**
 * The mock's answer to a valid Messages body, also used by the Bedrock (InvokeModel) and Vertex
 * (rawPredict) mocks for Claude. `cache`: the prompt-cache reads and writes to report;
 * `cachedApart`: input_tokens exclude them (Anthropic's real accounting).
 */
export function answerMessages(body: Json, name: string, cache = { read: countCacheControl(body) > 0 ? 100 : 0, written: 0 }, cachedApart = false): Json {
  const content: Json[] = [];
  if (body.thinking?.type === 'enabled') content.push({ type: 'thinking', thinking: 'Let me think about this.', signature: id('sig_') });
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : [];
  const choice = body.tool_choice as Json | undefined;
  const forced = choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : choice?.type === 'any' ? tools[0] : undefined;
  const last = body.messages.at(-1);
  const wantsTool = forced ?? (choice?.type !== 'none' && last.role === 'user' && /\bweather\b/i.test(textOf(last.content)) ? tools[0] : undefined);
  let stop = 'end_turn';
  let stopSequence: string | null = null;
  if (wantsTool) {
    if (!forced) content.push({ type: 'text', text: 'Let me check.' });
    content.push({ type: 'tool_use', id: id('toolu_'), name: wantsTool.name, input: sample(wantsTool.input_schema) });
    stop = 'tool_use';
  } else {
    const format = body.output_config?.format;
    let text = format?.type === 'json_schema' ? JSON.stringify(sample(format.schema)) : `${name}: ${lastUserText(body.messages)}`;
    for (const s of body.stop_sequences ?? []) {
      const at = text.indexOf(s);
      if (at >= 0) {
        text = text.slice(0, at);
        stop = 'stop_sequence';
        stopSequence = s;
        break;
      }
    }
    if (stop === 'end_turn' && tokens(text) > body.max_tokens) {
      text = text.slice(0, body.max_tokens * 4);
      stop = 'max_tokens';
    }
    content.push({ type: 'text', text });
  }
  const total = inputTokens(body);
  return {
    id: id('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: stopSequence,
    usage: {
      input_tokens: cachedApart ? Math.max(0, total - cache.read - cache.written) : total,
      cache_creation_input_tokens: cache.written,
      cache_read_input_tokens: cache.read,
      output_tokens: content.reduce((n, b) => n + tokens(JSON.stringify(b)), 0),
      service_tier: 'standard',
    },
  };
}

/** The real API's checks, returning the first problem as its message. */
export function validateMessagesBody(body: Json, version: string, counting: boolean): string | undefined {
  for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!counting && !Number.isInteger(body.max_tokens)) return 'max_tokens: Field required';
  if (!counting && body.max_tokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  if (version >= NO_SAMPLING_VERSION) {
    for (const key of ['temperature', 'top_p', 'top_k']) {
      if (body[key] !== undefined) return `${key}: is not supported in anthropic-version ${version}`;
    }
  }
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) {
    return 'temperature: Input should be less than or equal to 1';
  }
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: Input should be a valid string';
  if (body.tool_choice !== undefined && !Array.isArray(body.tools)) return 'tool_choice: tool_choice may only be specified while providing tools';
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if (tool.type === undefined && !isObject(tool.input_schema)) return `tools.${i}.custom.input_schema: Field required`;
  }
  if (body.thinking?.type === 'enabled' && !(body.thinking.budget_tokens >= 1024 && (counting || body.thinking.budget_tokens < body.max_tokens))) {
    return 'thinking.enabled.budget_tokens: must be >= 1024 and less than max_tokens';
  }
  if (countCacheControl(body) > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${countCacheControl(body)}.`;
  }
  let pending: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && m.role !== 'user') return 'messages: first message must use the "user" role';
    if (i > 0 && m.role === body.messages[i - 1].role) return 'messages: roles must alternate between "user" and "assistant"';
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return `messages.${i}.content: Field required`;
    const blocks: Json[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (m.role === 'user') {
      const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
      for (const wanted of pending) {
        if (!results.includes(wanted)) {
          return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${wanted}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
        }
      }
      const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
      const lastResult = blocks.map((b) => b.type).lastIndexOf('tool_result');
      if (pending.length && firstOther !== -1 && firstOther < lastResult) return `messages.${i}: tool_result blocks must come first in the user message`;
      for (const r of results) {
        if (!pending.includes(r)) return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${r}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      pending = [];
    } else {
      if (pending.length) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`;
      pending = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    }
    for (const [j, b] of blocks.entries()) {
      const problem = blockProblem(b, m.role);
      if (problem) return `messages.${i}.content.${j}: ${problem}`;
    }
  }
  return undefined;
}

function blockProblem(b: Json, role: string): string | undefined {
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' && b.text.length > 0 ? undefined : 'text content blocks must be non-empty';
    case 'image': {
      if (role !== 'user') return 'image blocks are only allowed in user messages';
      const s = b.source ?? {};
      if (s.type === 'base64') {
        if (!IMAGE_TYPES.has(s.media_type)) return `image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        if (typeof s.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s.data)) return 'image.source.base64.data: invalid base64 data';
        return undefined;
      }
      if (s.type === 'url') return typeof s.url === 'string' && /^https?:\/\//.test(s.url) ? undefined : 'image.source.url.url: invalid URL';
      return "image.source: Input tag does not match any of the expected tags: 'base64', 'url'";
    }
    case 'tool_use':
      return role === 'assistant' && typeof b.id === 'string' && typeof b.name === 'string' && isObject(b.input) ? undefined : 'tool_use: id, name and an object input are required';
    case 'tool_result':
      return role === 'user' && typeof b.tool_use_id === 'string' ? undefined : 'tool_result: tool_use_id is required';
    case 'thinking':
    case 'redacted_thinking':
    case 'document':
      return undefined;
    default:
      return `Input tag '${String(b.type)}' found using 'type' does not match any of the expected tags`;
  }
}

function countCacheControl(body: Json): number {
  let n = body.cache_control ? 1 : 0;
  const visit = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks) if (isObject(b) && b.cache_control) n++;
  };
  visit(body.system);
  visit(body.tools);
  for (const m of Array.isArray(body.messages) ? body.messages : []) visit(m?.content);
  return n;
}

const CACHE_LOOKBACK_BLOCKS = 20;

/** Anthropic's prompt cache, simplified: prefixes hashed block by block, in tools → system → messages order. */
function simulateCache(body: Json, cache: Map<string, number>, minTokens: number): { read: number; written: number } {
  const blocks: Json[] = [];
  for (const tool of Array.isArray(body.tools) ? body.tools : []) blocks.push(tool);
  if (typeof body.system === 'string') blocks.push({ type: 'text', text: body.system });
  else if (Array.isArray(body.system)) blocks.push(...body.system);
  for (const m of body.messages) {
    if (typeof m.content === 'string') blocks.push({ type: 'text', text: m.content, role: m.role });
    else for (const b of m.content) blocks.push({ ...b, role: m.role });
  }
  const hashes: string[] = [];
  const sums: number[] = [];
  let chain = '';
  let sum = 0;
  for (const block of blocks) {
    const { cache_control: _ignored, ...content } = block;
    const text = JSON.stringify(content);
    chain = createHash('sha256').update(chain).update(text).digest('hex');
    sum += tokens(text);
    hashes.push(chain);
    sums.push(sum);
  }
  const breakpoints = blocks.flatMap((b, i) => (b.cache_control ? [i] : []));
  let read = 0;
  for (const at of breakpoints) {
    for (let i = at; i >= 0 && i > at - CACHE_LOOKBACK_BLOCKS; i--) {
      const hit = cache.get(hashes[i]!);
      if (hit !== undefined) {
        read = Math.max(read, hit);
        break;
      }
    }
  }
  let written = 0;
  for (const at of breakpoints) {
    if (sums[at]! < minTokens || cache.has(hashes[at]!)) continue;
    cache.set(hashes[at]!, sums[at]!);
    written = Math.max(written, sums[at]! - read);
  }
  return { read, written };
}

/** The real stream's event sequence for a message. */
export function messageStreamEvents(message: Json, chunks: number): Json[] {
  const start = { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } };
  const events: Json[] = [{ type: 'message_start', message: start }, { type: 'ping' }];
  message.content.forEach((block: Json, index: number) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of split(block.text, chunks)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    } else if (block.type === 'thinking') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of split(block.thinking, 2)) events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const piece of split(JSON.stringify(block.input), 3)) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage: { output_tokens: message.usage.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}

async function writeStream(res: ServerResponse, events: Json[], fault: AnthropicFault | undefined, req: IncomingMessage): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': id('req_') });
  const stopAt = fault && (fault.kind === 'cut' || fault.kind === 'streamError') ? fault.afterEvents : Infinity;
  for (const [i, event] of events.entries()) {
    if (i >= stopAt) break;
    if (res.destroyed) return;
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    await new Promise((r) => setImmediate(r));
  }
  if (fault?.kind === 'cut') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'streamError') {
    const error = anthropicError(529, 'Overloaded', fault.type ?? 'overloaded_error');
    res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', error: error.error })}\n\n`);
    return;
  }
  res.end();
}

function modelList(models: string[]): Json {
  const data = models.map((m) => ({ type: 'model', id: m, display_name: m, created_at: '2025-09-29T00:00:00Z' }));
  return { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null };
}

/** A value matching a JSON schema's shape: strings "Paris", numbers 1, booleans true. */
export function sample(schema: unknown): unknown {
  if (!isObject(schema)) return {};
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return 'Paris';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items)];
    default: {
      const out: Json = {};
      for (const [key, value] of Object.entries(schema.properties ?? {})) out[key] = sample(value);
      return out;
    }
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (b?.type === 'text' ? b.text : '')).join('');
}

function lastUserText(messages: Json[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const text = textOf(m.content);
    if (text) return text;
    if (Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result')) return 'tool results received';
    if (Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'image')) return 'an image';
  }
  return '';
}

function inputTokens(body: Json): number {
  return tokens(JSON.stringify(body.system ?? '') + JSON.stringify(body.messages) + JSON.stringify(body.tools ?? []));
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function split(text: string, count: number): string[] {
  const n = Math.max(1, Math.min(count, text.length));
  return Array.from({ length: n }, (_, i) => text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'request-id': id('req_'), ...headers });
  res.end(payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function id(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url');
}
