/**
 * A mock OpenAI-compatible upstream for gateway tests.
 *
 * Plain `node:http` server on 127.0.0.1 that imitates OpenAI's wire format for
 * chat completions (JSON and SSE), the Responses API (`/v1/responses`, JSON and SSE, stored
 * responses for previous_response_id, GET and DELETE; see mock-openai-responses.ts),
 * embeddings and model listing, records every request it receives, and can inject faults
 * (error statuses, delays, hangs, connection resets, cut or failing streams).
 * Like the real API it refuses `max_tokens` / `max_completion_tokens` / `max_output_tokens`
 * above the model's output limit (`outputLimits`), reports a prompt prefix of at least 1024
 * tokens it saw before as `cached_tokens` (128-token steps), and reasoning models' reasoning tokens.
 * `chatOnly` makes it a Chat-Completions-only compatible server (the Responses paths answer 404);
 * Chat bodies are checked as OpenAI checks them (`strictChat`, on by default; off, it is a
 * compatible server that takes fields it does not know). Model-specific fields are refused as
 * OpenAI's models refuse them whatever the setting.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  buildResponse,
  failedEvent,
  REASONING_TOKENS,
  ResponseStore,
  sample,
  type Answerer,
  type ScriptedAnswer,
} from './mock-openai-responses.js';
import { isReasoningModel, validateResponsesRequest } from './mock-openai-responses-validate.js';
import { chatTooLongMessage, overWindow, RESPONSES_TOO_LONG, responsesTooLongEvents } from './context-windows.js';
import { modelFieldProblem, validateChatRequest } from './mock-openai-chat-validate.js';
import { MockHttpServer, parseJson, readBody } from './mock-server.js';
import { HUNG_MS } from './wait.js';

export type { Answerer, ScriptedAnswer } from './mock-openai-responses.js';
export { REASONING_TOKENS } from './mock-openai-responses.js';

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * A fault injected into one response.
 *
 * The stream faults (`cut`, `streamDelay`, `streamError`) count SSE `data:`
 * events, the initial `role` chunk included (Responses API: its events, `response.created`
 * first; `streamError` there ends the stream with a `response.failed` or an `error` event). Applied to a non-streaming
 * response, `cut` sends the head and half the body and then destroys the
 * socket, `streamDelay` sends the head and delays the body, and `streamError`
 * has no effect.
 */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'streamDelay'; firstChunkMs: number }
  /** Responses API streams end with a `response.failed` event, or an `error` event with `event: 'error'`. */
  | { kind: 'streamError'; afterChunks: number; event?: 'response.failed' | 'error' };

export interface RecordedRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined if there was no body or it was not valid JSON. */
  body: any;
  rawBody: string;
  /** Set to true (on this same object) if the client went away before the response finished. */
  aborted: boolean;
  /** The status the mock answered with, set as the response head is written. */
  status?: number;
}

export interface MockOpenAI {
  readonly origin: string;
  readonly baseUrl: string;
  /** Every request received, in order (including /v1/models). */
  readonly requests: RecordedRequest[];
  /** Faults applied to the next requests, one per request, in order (FIFO). After the queue empties, behave normally. */
  queueFault(...faults: Fault[]): void;
  /** A fault applied to every request until cleared (null clears). Queued faults take precedence. */
  setFault(fault: Fault | null): void;
  /**
   * Resolves with an aborted request. Each aborted request is handed out once,
   * oldest first, so an abort that happened before the call is not missed and
   * consecutive calls wait for consecutive aborts. Rejects after `timeoutMs`.
   */
  waitForAbort(timeoutMs?: number): Promise<RecordedRequest>;
  /** Clears recorded requests, faults and not-yet-claimed aborts. */
  reset(): void;
  /** Replaces the list GET /v1/models serves from now on; `extra` adds fields to entries by id (e.g. `context_length`). */
  setModels(models: string[], extra?: Record<string, Record<string, unknown>>): void;
  /** Answers for the next chat completion or Responses requests, one each, in order (chat uses the text, or the first tool call). */
  queueAnswer(...answers: ScriptedAnswer[]): void;
  /** Decides answers (after queued ones) until cleared with null; returning undefined keeps the default answer. */
  setAnswerer(answerer: Answerer | null): void;
  /** Closes the server and destroys all open sockets (including hung ones). */
  close(): Promise<void>;
}

export interface MockOpenAIOptions {
  /** Served by GET /v1/models; default ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']. */
  models?: string[];
  /** If set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Included in the reply text so tests can tell which instance answered. */
  name?: string;
  /** Number of content chunks in a stream (default 3). */
  chunks?: number;
  /** Output-token limits by model id or id prefix, over DEFAULT_OUTPUT_LIMITS; a request asking more is refused with a 400. */
  outputLimits?: Record<string, number>;
  /** Context windows by model id or id prefix, over DEFAULT_CONTEXT_WINDOWS; a longer prompt (characters / 4) is refused with OpenAI's 400 `context_length_exceeded`. */
  contextWindows?: Record<string, number>;
  /** Serve Chat Completions only, as most OpenAI-compatible servers do: the Responses API paths answer 404. @default false */
  chatOnly?: boolean;
  /** Refuse chat bodies OpenAI refuses (see mock-openai-chat-validate.ts): unknown fields, orphan tool messages, …; false imitates a compatible server that takes fields it does not know. @default true */
  strictChat?: boolean;
}

/**
 * Output-token limits of OpenAI models (max_tokens / max_completion_tokens / max_output_tokens).
 * A key also covers ids that continue it with `-` or `.` (gpt-5 covers gpt-5.5 and gpt-5-mini); the longest key wins.
 */
export const DEFAULT_OUTPUT_LIMITS: Readonly<Record<string, number>> = {
  'gpt-3.5-turbo': 4096,
  'gpt-4o': 16384,
  'gpt-4o-mini': 16384,
  'gpt-4.1': 32768,
  'gpt-5': 128000,
  'gpt-6': 128000,
  o1: 100000,
  o3: 100000,
  'o4-mini': 100000,
};

/** The output-token limit for a model from a limits table, or undefined when none applies. */
export function outputLimitFor(model: string, limits: Readonly<Record<string, number>>): number | undefined {
  let best: string | undefined;
  for (const key of Object.keys(limits)) {
    const covers = model === key || model.startsWith(`${key}-`) || model.startsWith(`${key}.`);
    if (covers && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : limits[best];
}

export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  const mock = new MockOpenAIServer(resolveSettings(options));
  await mock.listen();
  return mock;
}

// ---------------------------------------------------------------------------
// Settings and shared types
// ---------------------------------------------------------------------------

interface Settings {
  models: string[];
  /** Extra fields per model id in GET /v1/models entries. */
  modelExtra: Record<string, Record<string, unknown>>;
  apiKey: string | undefined;
  name: string;
  chunks: number;
  outputLimits: Record<string, number>;
  contextWindows: Record<string, number> | undefined;
  chatOnly: boolean;
  strictChat: boolean;
}

function resolveSettings(options: MockOpenAIOptions): Settings {
  return {
    models: options.models ?? ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
    modelExtra: {},
    apiKey: options.apiKey,
    name: options.name ?? 'mock',
    chunks: Math.max(1, Math.floor(options.chunks ?? 3)),
    outputLimits: { ...DEFAULT_OUTPUT_LIMITS, ...options.outputLimits },
    contextWindows: options.contextWindows,
    chatOnly: options.chatOnly ?? false,
    strictChat: options.strictChat ?? true,
  };
}

type StreamFault = Extract<Fault, { kind: 'cut' | 'streamDelay' | 'streamError' }>;

/** What a route wants to send; the writers apply stream faults to it. */
type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'sse'; events: unknown[] }
  /** A Responses API stream: `event:` + `data:` lines, no [DONE]; `response` is what a failure event reports. */
  | { kind: 'responses-sse'; events: Json[]; response: Json };

/** One request/response pair in flight. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  /** True once the server itself destroyed the socket (reset/cut faults), which is not a client abort. */
  destroyedByServer: boolean;
}

type Json = Record<string, unknown>;

const MODEL_CREATED = 1_700_000_000;
const SYSTEM_FINGERPRINT = 'fp_mock0001';
const EMBEDDING_DIMENSIONS = 8;
/** Waiting for an abort longer than this means it never comes (hung), not that the machine is slow. */
const DEFAULT_ABORT_TIMEOUT_MS = HUNG_MS;

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

class MockOpenAIServer extends MockHttpServer implements MockOpenAI {
  readonly requests: RecordedRequest[] = [];

  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly faultQueue: Fault[] = [];
  private persistentFault: Fault | null = null;
  private readonly unclaimedAborts: RecordedRequest[] = [];
  private readonly abortWaiters: Array<(request: RecordedRequest) => void> = [];
  private readonly answerQueue: ScriptedAnswer[] = [];
  private answerer: Answerer | null = null;
  private readonly responses = new ResponseStore();
  private closing = false;

  constructor(private readonly settings: Settings) {
    super();
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  queueFault(...faults: Fault[]): void {
    this.faultQueue.push(...faults);
  }

  setFault(fault: Fault | null): void {
    this.persistentFault = fault;
  }

  waitForAbort(timeoutMs = DEFAULT_ABORT_TIMEOUT_MS): Promise<RecordedRequest> {
    const ready = this.unclaimedAborts.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (request: RecordedRequest): void => {
        clearTimeout(timer);
        resolve(request);
      };
      const timer = setTimeout(() => {
        removeItem(this.abortWaiters, waiter);
        reject(new Error(`mock-openai: no aborted request within ${timeoutMs}ms`));
      }, timeoutMs);
      this.abortWaiters.push(waiter);
    });
  }

  setModels(models: string[], extra: Record<string, Record<string, unknown>> = {}): void {
    this.settings.models = [...models];
    this.settings.modelExtra = { ...extra };
  }

  queueAnswer(...answers: ScriptedAnswer[]): void {
    this.answerQueue.push(...answers);
  }

  setAnswerer(answerer: Answerer | null): void {
    this.answerer = answerer;
  }

  reset(): void {
    this.requests.length = 0;
    this.faultQueue.length = 0;
    this.persistentFault = null;
    this.unclaimedAborts.length = 0;
    this.answerQueue.length = 0;
    this.answerer = null;
    this.responses.clear();
  }

  override close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return super.close();
  }

  // --- bookkeeping --------------------------------------------------------

  private startExchange(req: IncomingMessage, res: ServerResponse): Exchange {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
      body: undefined,
      rawBody: '',
      aborted: false,
    };
    this.requests.push(record);
    recordStatus(res, record);
    const exchange: Exchange = { req, res, record, destroyedByServer: false };
    res.on('close', () => {
      if (!res.writableFinished && !exchange.destroyedByServer && !this.closing) {
        this.markAborted(record);
      }
    });
    return exchange;
  }

  private markAborted(record: RecordedRequest): void {
    record.aborted = true;
    const waiter = this.abortWaiters.shift();
    if (waiter) waiter(record);
    else this.unclaimedAborts.push(record);
  }

  private takeFault(): Fault | null {
    return this.faultQueue.shift() ?? this.persistentFault;
  }

  /** Like setTimeout, but cancelled by close(); the promise then never settles. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private destroy(exchange: Exchange): void {
    exchange.destroyedByServer = true;
    exchange.res.destroy();
    exchange.req.socket.destroy();
  }

  // --- request handling ---------------------------------------------------

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange = this.startExchange(req, res);
    try {
      exchange.record.rawBody = await readBody(req);
      exchange.record.body = parseJson(exchange.record.rawBody);
      if (isGone(res)) return;
      await this.applyFault(exchange, this.takeFault());
    } catch (error) {
      this.failUnexpectedly(exchange, error);
    }
  }

  private async applyFault(exchange: Exchange, fault: Fault | null): Promise<void> {
    switch (fault?.kind) {
      case undefined:
        return this.respond(exchange, null);
      case 'status':
        return sendStatusFault(exchange.res, fault);
      case 'delay':
        await this.sleep(fault.ms);
        if (isGone(exchange.res)) return;
        return this.respond(exchange, null);
      case 'hang':
        return; // never respond; the socket stays open until the client or close() ends it
      case 'reset':
        return this.destroy(exchange);
      case 'cut':
      case 'streamDelay':
      case 'streamError':
        return this.respond(exchange, fault);
    }
  }

  private respond(exchange: Exchange, fault: StreamFault | null): Promise<void> {
    const reply = this.route(exchange.req, exchange.record);
    if (reply.kind === 'responses-sse') return this.writeResponsesSse(exchange, reply, fault);
    return reply.kind === 'sse'
      ? this.writeSse(exchange, reply.events, fault)
      : this.writeJson(exchange, reply.status, reply.body, fault);
  }

  /** The scripted answer for a request that passed validation, if any. */
  private scriptedAnswer(body: unknown): ScriptedAnswer | undefined {
    return this.answerQueue.shift() ?? this.answerer?.(body) ?? undefined;
  }

  private route(req: IncomingMessage, record: RecordedRequest): Reply {
    const authError = checkAuth(req, this.settings.apiKey);
    if (authError) return authError;
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://mock').pathname.replace(/\/+$/, '');
    if (method === 'POST' && pathname === '/v1/chat/completions') {
      return chatCompletionReply(
        record.body,
        this.settings,
        (body) => this.scriptedAnswer(body),
        (parts) => this.responses.cachedTokens(parts),
      );
    }
    if (this.settings.chatOnly && pathname.startsWith('/v1/responses'))
      return errorReply(404, `Invalid URL (${method} ${pathname})`);
    if (method === 'POST' && pathname === '/v1/responses') return this.responsesReply(record);
    const stored = /^\/v1\/responses\/([^/]+)$/.exec(pathname);
    if (stored && (method === 'GET' || method === 'DELETE'))
      return this.storedResponseReply(method, decodeURIComponent(stored[1]!));
    if (method === 'POST' && pathname === '/v1/embeddings') return embeddingsReply(record.body);
    if (method === 'GET' && pathname === '/v1/models')
      return modelsReply(this.settings.models, this.settings.modelExtra);
    return errorReply(404, `Invalid URL (${method} ${pathname || '/'})`);
  }

  private responsesReply(record: RecordedRequest): Reply {
    if (record.rawBody.trim() !== '' && record.body === undefined) return invalidJsonReply();
    const store = this.responses;
    const problem = validateResponsesRequest(record.body, {
      outputLimit: (model) => outputLimitFor(model, this.settings.outputLimits),
      storedItem: (id) => store.item(id),
      hasResponse: (id) => store.has(id),
      previousItems: (id) => store.conversation(id),
    });
    if (problem)
      return {
        kind: 'json',
        status: problem.status,
        body: openAIError(problem.status, problem.message, problem.code, problem.param),
      };
    const body = record.body as Json;
    const over = overWindow(body, String(body.model), this.settings.contextWindows);
    if (over) return responsesTooLong(body.stream === true);
    const built = buildResponse(body, this.scriptedAnswer(body), this.settings.name, this.settings.chunks, store);
    if (body.stream === true) return { kind: 'responses-sse', events: built.events, response: built.response };
    return { kind: 'json', status: 200, body: built.response };
  }

  private storedResponseReply(method: string, id: string): Reply {
    if (!this.responses.has(id)) return errorReply(404, `Response with id '${id}' not found.`);
    if (method === 'GET') return { kind: 'json', status: 200, body: this.responses.get(id) };
    this.responses.delete(id);
    return { kind: 'json', status: 200, body: { id, object: 'response.deleted', deleted: true } };
  }

  private failUnexpectedly(exchange: Exchange, error: unknown): void {
    const { res } = exchange;
    if (isGone(res)) return;
    if (res.headersSent) {
      this.destroy(exchange);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    sendJson(res, 500, openAIError(500, `mock internal error: ${message}`));
  }

  // --- writers ------------------------------------------------------------

  private async writeJson(exchange: Exchange, status: number, body: unknown, fault: StreamFault | null): Promise<void> {
    const { res } = exchange;
    const payload = JSON.stringify(body);
    if (fault?.kind === 'cut') {
      res.writeHead(status, jsonHeaders(payload));
      res.write(payload.slice(0, Math.floor(payload.length / 2)));
      await nextTurn();
      this.destroy(exchange);
      return;
    }
    if (fault?.kind === 'streamDelay') {
      res.writeHead(status, jsonHeaders(payload));
      res.flushHeaders();
      await this.sleep(fault.firstChunkMs);
      if (!isGone(res)) res.end(payload);
      return;
    }
    sendJson(res, status, body);
  }

  private async writeSse(exchange: Exchange, events: unknown[], fault: StreamFault | null): Promise<void> {
    const { res } = exchange;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': requestId(),
    });
    res.flushHeaders();
    if (fault?.kind === 'streamDelay') await this.sleep(fault.firstChunkMs);

    const stopAt = fault && fault.kind !== 'streamDelay' ? fault.afterChunks : Infinity;
    for (const [index, event] of events.entries()) {
      if (isGone(res)) return;
      if (index >= stopAt) break;
      res.write(sseEvent(event));
      await nextTurn();
    }
    if (isGone(res)) return;

    if (fault?.kind === 'cut') {
      this.destroy(exchange);
    } else if (fault?.kind === 'streamError') {
      res.end(sseEvent(openAIError(500, 'mock stream error')));
    } else {
      res.end('data: [DONE]\n\n');
    }
  }

  /** A Responses API stream: named events, no [DONE]; a stream error is a `response.failed` event. */
  private async writeResponsesSse(
    exchange: Exchange,
    reply: Extract<Reply, { kind: 'responses-sse' }>,
    fault: StreamFault | null,
  ): Promise<void> {
    const { res } = exchange;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': requestId(),
    });
    res.flushHeaders();
    if (fault?.kind === 'streamDelay') await this.sleep(fault.firstChunkMs);
    const stopAt = fault && fault.kind !== 'streamDelay' ? fault.afterChunks : Infinity;
    let sent = 0;
    for (const event of reply.events) {
      if (isGone(res)) return;
      if (sent >= stopAt) break;
      res.write(namedSseEvent(event));
      sent++;
      await nextTurn();
    }
    if (isGone(res)) return;
    if (fault?.kind === 'cut') this.destroy(exchange);
    else if (fault?.kind === 'streamError') {
      const event =
        fault.event === 'error'
          ? { type: 'error', sequence_number: sent, code: 'server_error', message: 'mock stream error', param: null }
          : failedEvent(reply.response, sent, 'mock stream error');
      res.end(namedSseEvent(event));
    } else res.end();
  }
}

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

function checkAuth(req: IncomingMessage, apiKey: string | undefined): Reply | null {
  if (apiKey === undefined) return null;
  const header = req.headers.authorization;
  if (header === `Bearer ${apiKey}`) return null;
  const message = header
    ? `Incorrect API key provided: ${maskKey(header.replace(/^Bearer\s+/i, ''))}. You can find your API key at https://platform.openai.com/account/api-keys.`
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
  return { kind: 'json', status: 401, body: openAIError(401, message, 'invalid_api_key') };
}

function modelsReply(models: string[], extra: Record<string, Record<string, unknown>>): Reply {
  const data = models.map((id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'mock', ...extra[id] }));
  return { kind: 'json', status: 200, body: { object: 'list', data } };
}

function embeddingsReply(body: unknown): Reply {
  if (!isObject(body)) return invalidJsonReply();
  const inputs = embeddingInputs(body.input);
  if (!inputs) {
    return errorReply(400, "'input' must be a string or an array of strings", 'input');
  }
  if (typeof body.model !== 'string') return missingParamReply('model');
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => ({
    object: 'embedding',
    index,
    embedding: base64 ? toBase64Floats(embeddingFor(text)) : embeddingFor(text),
  }));
  const promptTokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
  return {
    kind: 'json',
    status: 200,
    body: {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}

/** Chat usage like OpenAI's: a prompt prefix of ≥ 1024 tokens seen before is reported as cached_tokens; reasoning models report reasoning_tokens. */
function chatCompletionReply(
  body: unknown,
  settings: Settings,
  scripted: (body: unknown) => ScriptedAnswer | undefined,
  cachedTokens: (parts: unknown[]) => number,
): Reply {
  if (!isObject(body)) return invalidJsonReply();
  if (typeof body.model !== 'string') return missingParamReply('model');
  if (!Array.isArray(body.messages)) return missingParamReply('messages');
  const strict = settings.strictChat ? validateChatRequest(body) : undefined;
  if (strict) return { kind: 'json', status: 400, body: openAIError(400, strict.message, strict.code, strict.param) };
  const unsupported = modelFieldProblem(body, String(body.model));
  if (unsupported)
    return {
      kind: 'json',
      status: 400,
      body: openAIError(400, unsupported.message, unsupported.code, unsupported.param),
    };
  const tooMany = outputLimitProblem(body, settings);
  if (tooMany) return tooMany;
  const over = overWindow(body, body.model, settings.contextWindows);
  if (over) {
    const message = chatTooLongMessage(over);
    return { kind: 'json', status: 400, body: openAIError(400, message, 'context_length_exceeded', 'messages') };
  }

  const messages: unknown[] = body.messages;
  const script = scripted(body);
  const tool = script ? undefined : toolToCall(body, messages);
  const calls: ToolCallAnswer[] = script
    ? (script.toolCalls ?? []).map((call) => ({
        id: `call_${randomId(24)}`,
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
      }))
    : tool
      ? [
          {
            id: `call_${randomId(24)}`,
            name: tool.function.name,
            arguments: JSON.stringify(toolArgumentsFor(tool.function.parameters)),
          },
        ]
      : [];
  const answer: Answer = calls.length
    ? { kind: 'tool', calls }
    : {
        kind: 'text',
        content:
          script?.text ??
          jsonAnswer(body.response_format, settings.name, messages) ??
          `${settings.name}: ${lastUserText(messages)}`,
      };
  const usage = usageFor(messages, answer);
  usage.prompt_tokens_details.cached_tokens = Math.min(
    usage.prompt_tokens,
    cachedTokens([body.tools ?? null, ...messages]),
  );
  if (isReasoningModel(body.model)) {
    usage.completion_tokens += REASONING_TOKENS;
    usage.total_tokens += REASONING_TOKENS;
    usage.completion_tokens_details.reasoning_tokens = REASONING_TOKENS;
  }
  const meta: CompletionMeta = {
    id: `chatcmpl-${randomId(29)}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    serviceTier: serviceTierFor(body.service_tier),
  };

  if (body.stream === true) {
    const options = isObject(body.stream_options) ? body.stream_options : {};
    const stream = { includeUsage: options.include_usage === true, obfuscate: options.include_obfuscation !== false };
    return { kind: 'sse', events: streamEvents(meta, answer, usage, settings.chunks, stream) };
  }
  return { kind: 'json', status: 200, body: completionObject(meta, answer, usage) };
}

/**
 * The Responses API's refusal of a prompt over the model's window: a 400, or in a stream the `error`
 * event after `response.created` and `response.in_progress` (no numbers in either message).
 */
function responsesTooLong(stream: boolean): Reply {
  const error = openAIError(400, RESPONSES_TOO_LONG, 'context_length_exceeded', 'input');
  if (!stream) return { kind: 'json', status: 400, body: error };
  const events = responsesTooLongEvents(`resp_${randomId(24)}`, error);
  return { kind: 'responses-sse', events, response: events[0]!.response as Json };
}

/** OpenAI's 400 for max_tokens / max_completion_tokens above the model's output limit. */
function outputLimitProblem(body: Json, settings: Settings): Reply | null {
  const limit = outputLimitFor(String(body.model), settings.outputLimits);
  for (const param of ['max_tokens', 'max_completion_tokens']) {
    const asked = body[param];
    if (limit !== undefined && typeof asked === 'number' && asked > limit) {
      const message = `${param} is too large: ${asked}. This model supports at most ${limit} completion tokens, whereas you provided ${asked}.`;
      return { kind: 'json', status: 400, body: openAIError(400, message, 'invalid_value', param) };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// Chat completion shapes
// ---------------------------------------------------------------------------

interface ToolCallAnswer {
  id: string;
  name: string;
  arguments: string;
}

/** A text answer, or tool calls (several when scripted: parallel calls). */
type Answer = { kind: 'text'; content: string } | { kind: 'tool'; calls: ToolCallAnswer[] };

interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  /** The tier that served the request, as OpenAI reports it on the completion and on every chunk. */
  serviceTier: string;
}

/** OpenAI sends both details objects on every usage, zeros included. */
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

interface StreamOptions {
  includeUsage: boolean;
  /** `stream_options.include_obfuscation` (default true): every chunk pads itself with an `obfuscation` string. */
  obfuscate: boolean;
}

/** `flex` and `priority` are served as asked; `auto`, `default` or none is served on the default tier. */
function serviceTierFor(asked: unknown): string {
  return asked === 'flex' || asked === 'priority' ? asked : 'default';
}

function completionObject(meta: CompletionMeta, answer: Answer, usage: Usage): Json {
  const message =
    answer.kind === 'text'
      ? { role: 'assistant', content: answer.content, refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          tool_calls: answer.calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
          refusal: null,
          annotations: [],
        };
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(answer) }],
    usage,
    service_tier: meta.serviceTier,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

function streamEvents(
  meta: CompletionMeta,
  answer: Answer,
  usage: Usage,
  chunks: number,
  options: StreamOptions,
): Json[] {
  const chunk = (choices: Json[], chunkUsage: Usage | null): Json => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: meta.serviceTier,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices,
    ...(options.includeUsage ? { usage: chunkUsage } : {}),
  });
  const choice = (delta: Json, finish: string | null): Json[] => [
    { index: 0, delta, logprobs: null, finish_reason: finish },
  ];
  const deltas = answer.kind === 'text' ? textDeltas(answer.content, chunks) : toolCallDeltas(answer);
  const events = deltas.map((delta) => chunk(choice(delta, null), null));
  events.push(chunk(choice({}, finishReason(answer)), null));
  if (options.includeUsage) events.push(chunk([], usage));
  if (options.obfuscate) events.forEach((event, i) => (event.obfuscation = obfuscation(i)));
  return events;
}

/**
 * OpenAI pads every chunk with random characters of varying length (side-channel mitigation); here a
 * fixed padding per position keeps streams deterministic.
 */
function obfuscation(position: number): string {
  const length = 1 + ((position * 5) % 12);
  return Array.from({ length }, (_, i) => ID_ALPHABET[(position * 7 + i * 13) % ID_ALPHABET.length]).join('');
}

function textDeltas(content: string, chunks: number): Json[] {
  return [
    { role: 'assistant', content: '', refusal: null },
    ...splitEvenly(content, chunks).map((piece) => ({ content: piece })),
  ];
}

/** Like OpenAI: per call, in turn, a delta naming the function, then its arguments in pieces with the same index. */
function toolCallDeltas(answer: Extract<Answer, { kind: 'tool' }>): Json[] {
  return answer.calls.flatMap((call, index) => {
    const head = {
      ...(index === 0 ? { role: 'assistant', content: null } : {}),
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      ...(index === 0 ? { refusal: null } : {}),
    };
    const argumentPieces = splitEvenly(call.arguments, 2).map((piece) => ({
      tool_calls: [{ index, function: { arguments: piece } }],
    }));
    return [head, ...argumentPieces];
  });
}

function finishReason(answer: Answer): string {
  return answer.kind === 'tool' ? 'tool_calls' : 'stop';
}

/** A JSON answer when `response_format` asks for one: an instance of its schema, or `{"answer": …}`. */
function jsonAnswer(format: unknown, name: string, messages: unknown[]): string | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_schema' && isObject(format.json_schema))
    return JSON.stringify(sample(format.json_schema.schema));
  if (format.type === 'json_object') return JSON.stringify({ answer: `${name}: ${lastUserText(messages)}` });
  return undefined;
}

type FunctionTool = { function: { name: string; parameters?: unknown } };

/** A sample of the tool's parameters; a tool that declares none (the tests' weather tool) gets `{city: "Paris"}`. */
function toolArgumentsFor(parameters: unknown): unknown {
  const declared = isObject(parameters) && isObject(parameters.properties) && Object.keys(parameters.properties).length;
  return declared ? sample(parameters) : { city: 'Paris' };
}

/**
 * The function tool the model calls: the one `tool_choice` names, the first with `required`, else
 * the first when the last message is a user message mentioning the weather; none with `none`.
 */
function toolToCall(body: Json, messages: unknown[]): FunctionTool | undefined {
  const tools = (Array.isArray(body.tools) ? body.tools : []).filter(
    (t: unknown): t is FunctionTool => isObject(t) && isObject(t.function) && typeof t.function.name === 'string',
  );
  const choice = body.tool_choice;
  if (tools.length === 0 || choice === 'none') return undefined;
  if (isObject(choice) && isObject(choice.function)) return tools.find((t) => t.function.name === choice.function.name);
  if (choice === 'required') return tools[0];
  const last = messages.at(-1);
  if (!isObject(last) || last.role !== 'user' || !/\bweather\b/i.test(messageText(last.content))) return undefined;
  return tools[0];
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isObject(message) && message.role === 'user') return messageText(message.content);
  }
  return '';
}

/** String content as is, or the concatenated `text` of the parts of an array content. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

function usageFor(messages: unknown[], answer: Answer): Usage {
  const promptText = messages.map((m) => (isObject(m) ? messageText(m.content) : '')).join('\n');
  const prompt_tokens = countTokens(promptText) + 3 * messages.length;
  const completionText =
    answer.kind === 'text' ? answer.content : answer.calls.map((c) => c.name + c.arguments).join('');
  const completion_tokens = countTokens(completionText);
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: prompt_tokens + completion_tokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

// ---------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------

function embeddingInputs(input: unknown): string[] | null {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string')) {
    return input;
  }
  return null;
}

/** Deterministic unit-range floats derived from a hash of the text. */
function embeddingFor(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => {
    const value = digest.readUInt16BE(i * 2) / 0xffff;
    return Math.round((value * 2 - 1) * 1e6) / 1e6;
  });
}

/** OpenAI's `encoding_format: 'base64'`: little-endian float32 bytes, base64-encoded. */
function toBase64Floats(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

function openAIError(status: number, message: string, code: string | null = null, param: string | null = null): Json {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, code, param } };
}

function errorReply(status: number, message: string, param: string | null = null): Reply {
  return { kind: 'json', status, body: openAIError(status, message, null, param) };
}

function missingParamReply(param: string): Reply {
  return errorReply(400, `Missing required parameter: '${param}'.`, param);
}

function invalidJsonReply(): Reply {
  return errorReply(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );
}

function sendStatusFault(res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>): void {
  const isText = typeof fault.body === 'string';
  const payload = isText
    ? (fault.body as string)
    : JSON.stringify(fault.body ?? openAIError(fault.status, `mock error ${fault.status}`));
  res.writeHead(fault.status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': requestId(),
    ...fault.headers,
  });
  res.end(payload);
}

// ---------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------

function jsonHeaders(payload: string): Record<string, string | number> {
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': requestId(),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, jsonHeaders(payload));
  res.end(payload);
}

function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function namedSseEvent(data: Json): string {
  return `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
}

function isGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits into `count` contiguous pieces of near-equal length (fewer if the text is shorter). */
function splitEvenly(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces = Math.min(count, Math.max(chars.length, 1));
  return Array.from({ length: pieces }, (_, i) =>
    chars.slice(Math.floor((i * chars.length) / pieces), Math.floor(((i + 1) * chars.length) / pieces)).join(''),
  );
}

function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number): string {
  return Array.from(randomBytes(length), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

function requestId(): string {
  return `req_${randomId(32)}`;
}

function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

function removeItem<T>(items: T[], item: T): void {
  const index = items.indexOf(item);
  if (index !== -1) items.splice(index, 1);
}

/** Notes the status on the record as the head is written (a client may hang up before a stream's end is flushed). */
function recordStatus(res: ServerResponse, record: { status?: number }): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    record.status = args[0] as number;
    return writeHead(...args);
  }) as ServerResponse['writeHead'];
}
