/**
 * A mock Anthropic Messages API upstream for gateway tests.
 *
 * Plain `node:http` on 127.0.0.1. Validates requests the way the real API does (see
 * mock-anthropic-validate.ts: unknown fields and beta values, max_tokens above the model's limit,
 * `role: "system"` entries, alternating roles, tool_use/tool_result pairing, thinking signatures
 * checked byte for byte, thinking's conflicts with temperature / top_k / forced tools, empty turns
 * and prefills, duplicate tool names, image media types, cache_control limits, sampling fields
 * refused by anthropic-version 2026-10-21), answers with Anthropic's error bodies and statuses, streams
 * byte-faithful SSE (`event:` + `data:`, ping, text/input_json/thinking/signature deltas), records
 * every request and injects faults. With thinking on (enabled or adaptive) every answer starts
 * with a thinking block signed by the mock (`display: "omitted"`: empty thinking, signature kept);
 * a prompt holding REDACTED_THINKING_TRIGGER gets a redacted_thinking block instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactedThinkingData, REDACTED_THINKING_TRIGGER, signThinking } from './mock-anthropic-thinking.js';
import {
  betaProblem,
  countCacheControl,
  searchCitationIndex,
  searchPageContent,
  validateMessages,
} from './mock-anthropic-validate.js';
import { MockUpstream, parseJson, readBody, recordStatus } from './mock-server.js';
import { outputLimitFor } from './output-limits.js';
import { overWindow } from './context-windows.js';
import { sample } from './schema-sample.js';

export { REDACTED_THINKING_TRIGGER } from './mock-anthropic-thinking.js';

/** An answer a test scripts for one request. */
export interface AnthropicScriptedAnswer {
  /** Text block. */
  text?: string;
  /** tool_use blocks, in order. */
  toolCalls?: Array<{ name: string; input: Record<string, unknown> }>;
  /** Thinking text (used when the request has thinking on). */
  thinking?: string;
  /**
   * The stop_reason to report instead of end_turn / tool_use: `pause_turn` (a long server-tool
   * turn paused), `refusal` (streaming classifiers intervened; stop_details then says why),
   * `model_context_window_exceeded`, `max_tokens`.
   */
  stopReason?: AnthropicStopReason;
  /**
   * A web search the API ran itself before answering: a server_tool_use block, its
   * web_search_tool_result and a text block citing the first result (usage counts the request).
   */
  webSearch?: { query: string; results?: Array<{ title: string; url: string }> };
  /**
   * The advisor tool consulted once, when the request offers one (`advisor_*`, its `model`): a
   * server_tool_use block named `advisor` and its advisor_tool_result open the answer, and the
   * advisor's reading of the transcript and its `outputTokens` are reported as Anthropic reports
   * them: in `usage.iterations` (an `advisor_message` of the tool's model), outside the top-level
   * counts, which stay the executor's (its `message` iteration).
   */
  advisor?: { text: string; outputTokens: number };
}

export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/** stop_details of a refusal, as Anthropic's streaming-refusals guide shows it. */
export const REFUSAL_STOP_DETAILS = {
  type: 'refusal',
  category: 'cyber',
  explanation: 'This request was declined because it could enable cyber harm.',
} as const;

/** Decides the answer to a request body; undefined keeps the default answer. */
export type AnthropicAnswerer = (body: any) => AnthropicScriptedAnswer | undefined;

/**
 * max_tokens limits of Claude models (as the AI SDK's model table has them). A key also covers ids
 * that continue it with `-` (dated snapshots such as claude-sonnet-4-5-20250929, or claude-opus-5-5
 * under claude-opus-5); the longest key wins.
 */
export const DEFAULT_ANTHROPIC_OUTPUT_LIMITS: Readonly<Record<string, number>> = {
  'claude-3-haiku': 4096,
  'claude-3-5-haiku': 8192,
  'claude-3-5-sonnet': 8192,
  'claude-3-7-sonnet': 64000,
  'claude-sonnet-4': 64000,
  'claude-sonnet-4-5': 64000,
  'claude-sonnet-4-6': 128000,
  'claude-sonnet-5': 128000,
  'claude-haiku-4-5': 64000,
  'claude-haiku-5': 128000,
  'claude-opus-4': 32000,
  'claude-opus-4-1': 32000,
  'claude-opus-4-5': 64000,
  'claude-opus-4-6': 128000,
  'claude-opus-4-7': 128000,
  'claude-opus-4-8': 128000,
  'claude-opus-5': 128000,
};

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
  /** The status the mock answered with, set as the response head is written. */
  status?: number;
}

export interface MockAnthropic {
  readonly origin: string;
  /** What a provider's baseUrl is set to (the API adds /v1/messages). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Faults for the next requests, one each, in order. */
  queueFault(...faults: AnthropicFault[]): void;
  /** Answers for the next valid /v1/messages requests, one each, in order. */
  queueAnswer(...answers: AnthropicScriptedAnswer[]): void;
  /** Decides answers (after queued ones) until cleared with null; undefined keeps the default answer. */
  setAnswerer(answerer: AnthropicAnswerer | null): void;
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
  /** max_tokens limits by model id or id prefix, over DEFAULT_ANTHROPIC_OUTPUT_LIMITS. */
  outputLimits?: Record<string, number>;
  /** Context windows by model id or id prefix, over DEFAULT_CONTEXT_WINDOWS; a longer prompt (characters / 4) gets Anthropic's 400 "prompt is too long". */
  contextWindows?: Record<string, number>;
  /** anthropic-beta values accepted besides the known ones (an unknown value is refused, as the API does). */
  betas?: string[];
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

export function anthropicError(
  status: number,
  message: string,
  type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
): Json {
  return { type: 'error', error: { type, message }, request_id: id('req_') };
}

export async function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropic> {
  const mock = new Mock(options);
  await mock.listen();
  return mock;
}

class Mock extends MockUpstream<RecordedRequest, AnthropicFault> implements MockAnthropic {
  readonly #answers: AnthropicScriptedAnswer[] = [];
  #answerer: AnthropicAnswerer | null = null;
  readonly #limits: Record<string, number>;
  readonly #name: string;
  readonly #models: string[];
  readonly #chunks: number;
  /** Prefix hash → its tokens, for `promptCache`. */
  readonly #cache = new Map<string, number>();

  constructor(private readonly options: MockAnthropicOptions) {
    super();
    this.#name = options.name ?? 'mock';
    this.#models = options.models ?? ['claude-sonnet-4-5', 'claude-haiku-4-5'];
    this.#chunks = options.chunks ?? 3;
    this.#limits = { ...DEFAULT_ANTHROPIC_OUTPUT_LIMITS, ...options.outputLimits };
  }

  get baseUrl(): string {
    return this.origin;
  }

  queueAnswer(...answers: AnthropicScriptedAnswer[]): void {
    this.#answers.push(...answers);
  }

  setAnswerer(answerer: AnthropicAnswerer | null): void {
    this.#answerer = answerer;
  }

  override reset(): void {
    super.reset();
    this.#answers.length = 0;
    this.#answerer = null;
    this.#cache.clear();
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const body = parseJson(rawBody);
    const path = req.url ?? '/';
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: { ...req.headers }, body, rawBody };
    this.requests.push(record);
    recordStatus(res, record);
    const fault = path.startsWith('/v1/messages') ? this.nextFault() : undefined;
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') {
      return sendJson(
        res,
        fault.status,
        fault.body ?? anthropicError(fault.status, fault.status === 529 ? 'Overloaded' : `mock error ${fault.status}`),
        fault.headers,
      );
    }
    const auth = this.#auth(req);
    if (auth) return sendJson(res, 401, auth);
    const pathname = new URL(path, 'http://mock').pathname;
    if (req.method === 'GET' && pathname === '/v1/models') return sendJson(res, 200, modelList(this.#models));
    if (req.method !== 'POST' || (pathname !== '/v1/messages' && pathname !== '/v1/messages/count_tokens')) {
      return sendJson(res, 404, anthropicError(404, `Not found: ${req.method} ${pathname}`));
    }
    if (!isObject(body))
      return sendJson(res, 400, anthropicError(400, 'There was an error parsing the body of your request'));
    const version = header(req, 'anthropic-version');
    if (!version) return sendJson(res, 400, anthropicError(400, 'anthropic-version: header is required'));
    const counting = pathname.endsWith('/count_tokens');
    const context = {
      version,
      betas: (header(req, 'anthropic-beta') ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      counting,
      outputLimit: (model: string) => outputLimitFor(model, this.#limits),
      extraBetas: this.options.betas ?? [],
    };
    const problem = betaProblem(context) ?? validateMessages(body, context);
    if (problem) return sendJson(res, 400, anthropicError(400, problem));
    // The context-1m beta opens a 1M-token window (Sonnet 4 and 4.5).
    const windows = context.betas.some((b) => b.startsWith('context-1m-'))
      ? { ...this.options.contextWindows, [String(body.model)]: 1_000_000 }
      : this.options.contextWindows;
    const over = counting ? undefined : overWindow(body, String(body.model), windows);
    if (over)
      return sendJson(
        res,
        400,
        anthropicError(400, `prompt is too long: ${over.tokens} tokens > ${over.maximum} maximum`),
      );
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
    return anthropicError(
      401,
      header(req, 'x-api-key') || bearer ? 'invalid x-api-key' : 'x-api-key header is required',
    );
  }

  #answer(body: Json): Json {
    const scripted = this.#answers.shift() ?? this.#answerer?.(body) ?? undefined;
    const cache = this.options.promptCache
      ? simulateCache(body, this.#cache, this.options.minCacheTokens ?? 1024)
      : { read: countCacheControl(body) > 0 ? 100 : 0, written: 0 };
    const message = answerMessages(body, this.#name, cache, this.options.promptCache === true, scripted);
    // Where the request ran (data residency); the first-party API reports it.
    message.usage.inference_geo = 'global';
    return message;
  }
}

/** Prompt-cache tokens a request read and wrote; `hour` of the written ones went to the one-hour cache. */
export interface CacheUsage {
  read: number;
  written: number;
  hour?: number;
}

/**
 * The mock's answer to a valid Messages body, also used by the Bedrock (InvokeModel) and Vertex
 * (rawPredict) mocks for Claude. `cache`: the prompt-cache reads and writes to report;
 * `cachedApart`: input_tokens exclude them (Anthropic's real accounting); `scripted`: a queued answer.
 */
export function answerMessages(
  body: Json,
  name: string,
  cache: CacheUsage = { read: countCacheControl(body) > 0 ? 100 : 0, written: 0 },
  cachedApart = false,
  scripted?: AnthropicScriptedAnswer,
): Json {
  const thinking = thinkingBlocks(body, scripted);
  const answer =
    scripted && (scripted.text !== undefined || scripted.toolCalls?.length || scripted.webSearch)
      ? {
          blocks: [...thinking, ...scriptedBlocks(scripted, `${name}: ${lastUserText(body.messages)}`)],
          stop: scripted.toolCalls?.length ? 'tool_use' : 'end_turn',
          stopSequence: null,
        }
      : defaultAnswer(body, name, thinking);
  const stop = scripted?.stopReason ?? answer.stop;
  const total = inputTokens(body);
  const usage: Json = {
    input_tokens: cachedApart ? Math.max(0, total - cache.read - cache.written) : total,
    cache_creation_input_tokens: cache.written,
    cache_read_input_tokens: cache.read,
    cache_creation: {
      ephemeral_5m_input_tokens: cache.written - (cache.hour ?? 0),
      ephemeral_1h_input_tokens: cache.hour ?? 0,
    },
    output_tokens: answer.blocks.reduce((n: number, b: Json) => n + tokens(JSON.stringify(b)), 0),
  };
  if (scripted?.webSearch) usage.server_tool_use = { web_search_requests: 1 };
  const advisor = scripted?.advisor && advisorToolOf(body);
  if (advisor) {
    answer.blocks.splice(thinking.length, 0, ...advisorBlocks(scripted!.advisor!.text));
    const { cache_creation: _split, ...counts } = usage;
    usage.iterations = [
      { type: 'message', ...counts },
      {
        type: 'advisor_message',
        model: advisor.model,
        input_tokens: total,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: scripted!.advisor!.outputTokens,
      },
    ];
  }
  usage.service_tier = 'standard';
  return {
    id: id('msg_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: answer.blocks,
    stop_reason: stop,
    stop_sequence: answer.stopSequence,
    stop_details: stop === 'refusal' ? { ...REFUSAL_STOP_DETAILS } : null,
    usage,
  };
}

interface Answer {
  blocks: Json[];
  stop: string;
  stopSequence: string | null;
}

/** With thinking on (enabled or adaptive), the signed thinking block (or redacted_thinking) that opens the answer. */
function thinkingBlocks(body: Json, scripted: AnthropicScriptedAnswer | undefined): Json[] {
  if (body.thinking?.type !== 'enabled' && body.thinking?.type !== 'adaptive') return [];
  if (lastUserText(body.messages).includes(REDACTED_THINKING_TRIGGER))
    return [{ type: 'redacted_thinking', data: redactedThinkingData() }];
  const thinking = scripted?.thinking ?? 'Let me think about this.';
  const omitted = body.thinking.display === 'omitted';
  return [{ type: 'thinking', thinking: omitted ? '' : thinking, signature: signThinking(thinking, omitted) }];
}

/** The unscripted answer: a tool call when forced or asked about the weather, else an echo (or a JSON sample). */
function defaultAnswer(body: Json, name: string, content: Json[]): Answer {
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : [];
  const choice = body.tool_choice as Json | undefined;
  const forced =
    choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : choice?.type === 'any' ? tools[0] : undefined;
  const last = body.messages.at(-1);
  const wantsTool =
    forced ??
    (choice?.type !== 'none' && last.role === 'user' && /\bweather\b/i.test(textOf(last.content))
      ? tools[0]
      : undefined);
  if (wantsTool) {
    const call = { type: 'tool_use', id: id('toolu_'), name: wantsTool.name, input: sample(wantsTool.input_schema) };
    const blocks = forced ? [...content, call] : [...content, { type: 'text', text: 'Let me check.' }, call];
    return { blocks, stop: 'tool_use', stopSequence: null };
  }
  const format = body.output_config?.format;
  let text =
    format?.type === 'json_schema' ? JSON.stringify(sample(format.schema)) : `${name}: ${lastUserText(body.messages)}`;
  let stop = 'end_turn';
  let stopSequence: string | null = null;
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
  return { blocks: [...content, { type: 'text', text }], stop, stopSequence };
}

/** The real API's checks for a body with no betas (Bedrock InvokeModel, Vertex rawPredict), returning the first problem. */
export function validateMessagesBody(body: Json, version: string, counting: boolean): string | undefined {
  return validateMessages(body, {
    version,
    betas: [],
    counting,
    outputLimit: (model: string) => outputLimitFor(model, DEFAULT_ANTHROPIC_OUTPUT_LIMITS),
    extraBetas: [],
  });
}

const CACHE_LOOKBACK_BLOCKS = 20;

/** Anthropic's prompt cache, simplified: prefixes hashed block by block, in tools → system → messages order. */
function simulateCache(body: Json, cache: Map<string, number>, minTokens: number): CacheUsage {
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
  // Each new breakpoint writes the tokens since the previous one (or the read prefix), at its own lifetime.
  let covered = read;
  let written = 0;
  let hour = 0;
  for (const at of breakpoints) {
    if (sums[at]! < minTokens || cache.has(hashes[at]!)) continue;
    cache.set(hashes[at]!, sums[at]!);
    const segment = Math.max(0, sums[at]! - covered);
    covered = Math.max(covered, sums[at]!);
    written += segment;
    if (blocks[at]!.cache_control.ttl === '1h') hour += segment;
  }
  return { read, written, hour };
}

/**
 * The real stream's event sequence for a message: message_start (usage so far, no server tool
 * counts), each block's start / deltas / stop with a `ping` after the first block's start, then
 * message_delta with the stop reason and the cumulative usage (input and cache counts repeated)
 * and message_stop.
 */
export function messageStreamEvents(message: Json, chunks: number): Json[] {
  const { server_tool_use: _counted, iterations: _atTheEnd, ...startUsage } = message.usage;
  const start = {
    ...message,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: { ...startUsage, output_tokens: 1 },
  };
  const events: Json[] = [{ type: 'message_start', message: start }];
  message.content.forEach((block: Json, index: number) => {
    const [first, ...rest] = blockEvents(block, index, chunks);
    events.push(first!);
    if (index === 0) events.push({ type: 'ping' });
    events.push(...rest, { type: 'content_block_stop', index });
  });
  if (!message.content.length) events.push({ type: 'ping' });
  events.push({
    type: 'message_delta',
    delta: {
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
      stop_details: message.stop_details ?? null,
    },
    usage: deltaUsage(message),
  });
  events.push({ type: 'message_stop' });
  return events;
}

/** message_delta's usage: cumulative, so the input and cache counts again, with the output split. */
function deltaUsage(message: Json): Json {
  const usage = message.usage;
  const thinking = message.content
    .filter((b: Json) => b.type === 'thinking' || b.type === 'redacted_thinking')
    .reduce((n: number, b: Json) => n + tokens(JSON.stringify(b)), 0);
  const out: Json = {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    output_tokens: usage.output_tokens,
    output_tokens_details: { thinking_tokens: thinking },
  };
  if (usage.server_tool_use) out.server_tool_use = usage.server_tool_use;
  if (usage.iterations) out.iterations = usage.iterations;
  return out;
}

/** The advisor tool a request offers (`advisor_*` with its model), if any. */
function advisorToolOf(body: Json): { model: string } | undefined {
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : [];
  const tool = tools.find((t) => typeof t?.type === 'string' && t.type.startsWith('advisor_'));
  return typeof tool?.model === 'string' ? { model: tool.model } : undefined;
}

/** The advisor's call (an empty input: the server gives it the transcript) and its result. */
function advisorBlocks(text: string): Json[] {
  const toolId = id('srvtoolu_');
  return [
    { type: 'server_tool_use', id: toolId, name: 'advisor', input: {} },
    { type: 'advisor_tool_result', tool_use_id: toolId, content: { type: 'advisor_result', text } },
  ];
}

/** A block's content_block_start and its deltas (content_block_stop is added by the caller). */
function blockEvents(block: Json, index: number, chunks: number): Json[] {
  const start = (content_block: Json): Json => ({ type: 'content_block_start', index, content_block });
  const delta = (d: Json): Json => ({ type: 'content_block_delta', index, delta: d });
  switch (block.type) {
    case 'text':
      return [
        start({ type: 'text', text: '' }),
        ...(block.citations ?? []).map((citation: Json) => delta({ type: 'citations_delta', citation })),
        ...split(block.text, chunks).map((text) => delta({ type: 'text_delta', text })),
      ];
    case 'thinking': {
      const pieces = block.thinking ? [...split(block.thinking, 2), ''] : [];
      return [
        start({ type: 'thinking', thinking: '', signature: '' }),
        ...pieces.map((thinking) => delta({ type: 'thinking_delta', thinking })),
        delta({ type: 'signature_delta', signature: block.signature }),
      ];
    }
    case 'tool_use':
    case 'server_tool_use':
      // The input arrives as partial JSON, an empty piece first.
      return [
        start({ type: block.type, id: block.id, name: block.name, input: {} }),
        delta({ type: 'input_json_delta', partial_json: '' }),
        ...split(JSON.stringify(block.input), 3).map((partial_json) =>
          delta({ type: 'input_json_delta', partial_json }),
        ),
      ];
    default:
      return [start(block)]; // redacted_thinking, web_search_tool_result, advisor_tool_result: whole in the start event
  }
}

async function writeStream(
  res: ServerResponse,
  events: Json[],
  fault: AnthropicFault | undefined,
  req: IncomingMessage,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': id('req_'),
  });
  const stopAt = fault && (fault.kind === 'cut' || fault.kind === 'streamError') ? fault.afterEvents : Infinity;
  for (const [i, event] of events.entries()) {
    if (i >= stopAt) break;
    if (res.destroyed) return;
    // The API writes ping's data with a space after the colon, unlike every other event.
    const data = event.type === 'ping' ? '{"type": "ping"}' : JSON.stringify(event);
    res.write(`event: ${event.type}\ndata: ${data}\n\n`);
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

function scriptedBlocks(answer: AnthropicScriptedAnswer, echo: string): Json[] {
  const blocks: Json[] = [];
  if (answer.webSearch) blocks.push(...webSearchBlocks(answer.webSearch, answer.text ?? echo));
  else if (answer.text !== undefined) blocks.push({ type: 'text', text: answer.text });
  for (const call of answer.toolCalls ?? [])
    blocks.push({ type: 'tool_use', id: id('toolu_'), name: call.name, input: call.input });
  return blocks;
}

/**
 * A web search run by the API: server_tool_use (its id `srvtoolu_`), the web_search_tool_result
 * (results with opaque encrypted_content, `caller: direct`) and the answer's text citing the first result.
 */
function webSearchBlocks(search: NonNullable<AnthropicScriptedAnswer['webSearch']>, text: string): Json[] {
  const toolId = id('srvtoolu_');
  const found = (search.results ?? [{ title: 'Example Domain', url: 'https://example.com/' }]).map((r) => ({
    type: 'web_search_result',
    title: r.title,
    url: r.url,
    encrypted_content: searchPageContent(r.url),
    page_age: null,
  }));
  const first = found[0];
  const citations = first
    ? [
        {
          type: 'web_search_result_location',
          cited_text: `${first.title}.`,
          url: first.url,
          title: first.title,
          encrypted_index: searchCitationIndex(first.url),
        },
      ]
    : null;
  return [
    { type: 'server_tool_use', id: toolId, name: 'web_search', input: { query: search.query } },
    { type: 'web_search_tool_result', tool_use_id: toolId, content: found, caller: { type: 'direct' } },
    { type: 'text', text, citations },
  ];
}

function modelList(models: string[]): Json {
  const data = models.map((m) => ({ type: 'model', id: m, display_name: m, created_at: '2025-09-29T00:00:00Z' }));
  return { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null };
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
    if (Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result'))
      return 'tool results received';
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
  return Array.from({ length: n }, (_, i) =>
    text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'request-id': id('req_'),
    ...headers,
  });
  res.end(payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function id(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url');
}
