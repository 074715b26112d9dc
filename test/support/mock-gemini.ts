/**
 * A mock Gemini API (generativelanguage.googleapis.com, v1beta) upstream for gateway tests.
 *
 * Plain `node:http` on 127.0.0.1. Serves `models/{m}:generateContent`, `:streamGenerateContent`
 * (`?alt=sse`: `data: {GenerateContentResponse}\r\n\r\n` events and no end marker, the last event
 * carrying finishReason; without alt: one JSON array), `:embedContent`, `:batchEmbedContents` and
 * `GET models` (paged). Requests are validated as the real API does (see mock-gemini-validate.ts),
 * the key is read from `x-goog-api-key` (or `?key=`), and errors use Google's shape
 * `{"error":{"code","message","status"}}`. Every request is recorded (with the status answered);
 * faults can be injected; answers can be scripted (setAnswerer).
 *
 * How it answers (deterministic, so tests can assert):
 * - last user turn holds function responses → text `<name>: <fn>=<response json>; …`
 * - tools declared (mode not NONE) and the last user text mentions "weather", or mode ANY →
 *   a functionCall `{city: "Paris"}` to the allowed / first function (two calls if the text says "both")
 * - responseMimeType application/json → JSON text (an instance of responseSchema, or `{"answer": …}`)
 * - otherwise text `<name>: <last user text>`; "unsafe" in it → finishReason SAFETY, no content;
 *   "blockprompt" → promptFeedback.blockReason SAFETY and no candidates
 * - stopSequences cut the text (finishReason STOP); maxOutputTokens smaller than the answer → MAX_TOKENS
 * - a scripted answer (setAnswerer) → its function calls, or its text, or a MALFORMED_FUNCTION_CALL finish
 * - candidateCount n → n candidates; a thinking model (2.5 Flash / Pro and Gemini 3 by default, others with
 *   thinkingConfig; thinkingBudget 0 turns it off) → thoughtsTokenCount (and a thought part before the text or function calls with includeThoughts)
 * - tools offer googleSearch → the text answer grounded: candidate.groundingMetadata (the user's text as
 *   the query, two pages at mockSearchUri(): on the last stream event); googleSearch beside function
 *   declarations → 400, as the API refuses it
 * - stream events each carry the usage so far (candidatesTokenCount growing, thoughtsTokenCount on every one)
 * - generationConfig.maxOutputTokens above the model's output limit (`outputLimits`), or below 1 → 400, as the API refuses it
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateEmbed, validateGenerate } from './mock-gemini-validate.js';
import type { Invalid } from './mock-gemini-validate.js';
import { MockUpstream, parseJson, readBody, recordStatus } from './mock-server.js';
import { outputLimitFor } from './output-limits.js';
import { overWindow } from './context-windows.js';
import { HUNG_MS } from './wait.js';

export type GeminiFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** Stream: send this many events, then destroy the socket. Non-stream: half the body, then destroy. */
  | { kind: 'cut'; afterEvents: number }
  /** Stream: send this many events, then end the response cleanly (no finishReason ever sent). */
  | { kind: 'end'; afterEvents: number }
  /** Stream: send this many events, then an error event, then end. */
  | { kind: 'streamError'; afterEvents: number };

export interface GeminiRecordedRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON (snake_case keys rewritten to camelCase once validated), or undefined. */
  body: any;
  rawBody: string;
  aborted: boolean;
  /** The status the mock answered with, set as the response head is written. */
  status?: number;
}

/** An answer a test scripts for one generateContent request: a malformed call, else function calls, else text. */
export interface GeminiScriptedAnswer {
  text?: string;
  functionCalls?: Array<{ name: string; args: Record<string, unknown> }>;
  /**
   * The model wrote a function call the API could not parse: a 200 whose candidate has finishReason
   * MALFORMED_FUNCTION_CALL, this as its finishMessage, an empty `content: {}` and no output tokens.
   */
  malformedFunctionCall?: string;
}

/** Decides the answer to a (validated) request body; undefined keeps the default answer. */
export type GeminiAnswerer = (body: any) => GeminiScriptedAnswer | undefined;

export interface MockGemini {
  /** e.g. http://127.0.0.1:41234 — the Gemini `baseUrl` (paths start with /v1beta). */
  readonly origin: string;
  readonly requests: GeminiRecordedRequest[];
  /** Decides answers until cleared with null (reset() clears it too). */
  setAnswerer(answerer: GeminiAnswerer | null): void;
  queueFault(...faults: GeminiFault[]): void;
  setFault(fault: GeminiFault | null): void;
  waitForAbort(timeoutMs?: number): Promise<GeminiRecordedRequest>;
  reset(): void;
  close(): Promise<void>;
}

export interface MockGeminiOptions {
  /** Required in `x-goog-api-key` (or `?key=`); missing → 403, wrong → 400 API_KEY_INVALID. */
  apiKey?: string;
  /** Included in reply texts so tests can tell instances apart. @default 'gemini' */
  name?: string;
  /** Chat models served. @default ['gemini-2.5-flash', 'gemini-2.5-pro'] */
  models?: string[];
  /** Embedding models served. @default ['gemini-embedding-001'] */
  embeddingModels?: string[];
  /** Text pieces per stream. @default 3 */
  chunks?: number;
  /** Reported as cachedContentTokenCount when > 0. @default 0 */
  cachedTokens?: number;
  /** Function calls carry a thoughtSignature, and model function-call parts sent back must carry one. @default false */
  thoughtSignatures?: boolean;
  /** Page size of GET models when the caller gives none. @default 50 */
  pageSize?: number;
  /** Output-token limits by model id or id prefix, over DEFAULT_GEMINI_OUTPUT_LIMITS (also listed as outputTokenLimit). */
  outputLimits?: Record<string, number>;
  /** Context windows by model id or id prefix, over DEFAULT_CONTEXT_WINDOWS; a longer prompt (characters / 4) gets Gemini's 400 INVALID_ARGUMENT. */
  contextWindows?: Record<string, number>;
}

/** Output-token limits of Gemini models; a key covers ids that continue it with `-` (the longest key wins). */
export const DEFAULT_GEMINI_OUTPUT_LIMITS: Readonly<Record<string, number>> = {
  'gemini-1.5-flash': 8192,
  'gemini-1.5-pro': 8192,
  'gemini-2.0-flash': 8192,
  'gemini-2.5-flash': 65536,
  'gemini-2.5-flash-lite': 65536,
  'gemini-2.5-pro': 65536,
  'gemini-3-flash': 65536,
  'gemini-3-pro': 65536,
};

export async function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGemini> {
  const mock = new MockGeminiServer(options);
  await mock.listen();
  return mock;
}

type Json = Record<string, any>;
type Reply = { kind: 'json'; status: number; body: unknown } | { kind: 'stream'; events: Json[]; sse: boolean };

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: GeminiRecordedRequest;
  destroyedByServer: boolean;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};
const STATUS_MESSAGES: Record<number, string> = {
  429: 'You exceeded your current quota, please check your plan and billing details.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};
const EMBEDDING_DIMENSIONS = 8;
const SIGNATURE = Buffer.from('mock-thought-signature-0123456789').toString('base64');

/** Google's error body. */
export function geminiError(code: number, message: string, details?: unknown[]): Json {
  return {
    error: {
      code,
      message,
      status: STATUS_NAMES[code] ?? (code >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT'),
      ...(details ? { details } : {}),
    },
  };
}

class MockGeminiServer extends MockUpstream<GeminiRecordedRequest, GeminiFault> implements MockGemini {
  private readonly timers = new Set<NodeJS.Timeout>();
  private persistent: GeminiFault | null = null;
  private readonly aborts: GeminiRecordedRequest[] = [];
  private readonly waiters: Array<(r: GeminiRecordedRequest) => void> = [];
  private closing = false;
  private answerer: GeminiAnswerer | null = null;
  private readonly name: string;
  private readonly models: string[];
  private readonly embeddingModels: string[];
  private readonly limits: Record<string, number>;

  constructor(private readonly options: MockGeminiOptions) {
    super();
    this.limits = { ...DEFAULT_GEMINI_OUTPUT_LIMITS, ...options.outputLimits };
    this.name = options.name ?? 'gemini';
    this.models = options.models ?? ['gemini-2.5-flash', 'gemini-2.5-pro'];
    this.embeddingModels = options.embeddingModels ?? ['gemini-embedding-001'];
  }

  setFault(fault: GeminiFault | null): void {
    this.persistent = fault;
  }

  waitForAbort(timeoutMs = HUNG_MS): Promise<GeminiRecordedRequest> {
    const ready = this.aborts.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (r: GeminiRecordedRequest): void => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`mock-gemini: no aborted request within ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  setAnswerer(answerer: GeminiAnswerer | null): void {
    this.answerer = answerer;
  }

  override reset(): void {
    super.reset();
    this.persistent = null;
    this.aborts.length = 0;
    this.answerer = null;
  }

  override close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    return super.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private destroy(x: Exchange): void {
    x.destroyedByServer = true;
    x.res.destroy();
    x.req.socket.destroy();
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: GeminiRecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
      body: undefined,
      rawBody: '',
      aborted: false,
    };
    this.requests.push(record);
    recordStatus(res, record);
    const x: Exchange = { req, res, record, destroyedByServer: false };
    res.on('close', () => {
      if (!res.writableFinished && !x.destroyedByServer && !this.closing) {
        record.aborted = true;
        const waiter = this.waiters.shift();
        if (waiter) waiter(record);
        else this.aborts.push(record);
      }
    });
    record.rawBody = await readBody(req);
    record.body = parseJson(record.rawBody);
    const fault = this.nextFault() ?? this.persistent;
    switch (fault?.kind) {
      case 'status':
        return sendJson(
          res,
          fault.status,
          fault.body ?? geminiError(fault.status, STATUS_MESSAGES[fault.status] ?? `mock error ${fault.status}`),
          fault.headers,
        );
      case 'delay':
        await this.sleep(fault.ms);
        break;
      case 'hang':
        return;
      case 'reset':
        return this.destroy(x);
      default:
    }
    if (gone(res)) return;
    const reply = this.route(req, record);
    if (reply.kind === 'json') {
      if (fault?.kind === 'cut') {
        const payload = pretty(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8' });
        res.write(payload.slice(0, payload.length >> 1));
        await tick();
        return this.destroy(x);
      }
      return sendJson(res, reply.status, reply.body);
    }
    await this.stream(x, reply, fault);
  }

  private async stream(
    x: Exchange,
    reply: Extract<Reply, { kind: 'stream' }>,
    fault: GeminiFault | null,
  ): Promise<void> {
    const { res } = x;
    res.writeHead(200, {
      'content-type': reply.sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
      'content-disposition': 'attachment',
      vary: 'Origin, X-Origin, Referer',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    const stopAt =
      fault && (fault.kind === 'cut' || fault.kind === 'end' || fault.kind === 'streamError')
        ? fault.afterEvents
        : Infinity;
    if (!reply.sse) {
      // The non-SSE stream: one JSON array, written element by element.
      for (const [i, event] of reply.events.entries()) {
        if (i >= stopAt || gone(res)) break;
        res.write(`${i === 0 ? '[' : ',\r\n'}${pretty(event)}`);
        await tick();
      }
      if (fault?.kind === 'cut') return this.destroy(x);
      return void res.end(']');
    }
    for (const [i, event] of reply.events.entries()) {
      if (i >= stopAt || gone(res)) break;
      res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
      await tick();
    }
    if (gone(res)) return;
    if (fault?.kind === 'cut') return this.destroy(x);
    if (fault?.kind === 'streamError')
      res.write(`data: ${JSON.stringify(geminiError(500, 'mock stream error'))}\r\n\r\n`);
    res.end();
  }

  private route(req: IncomingMessage, record: GeminiRecordedRequest): Reply {
    const url = new URL(req.url ?? '/', 'http://mock');
    const auth = this.checkKey(req, url);
    if (auth) return auth;
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/v1beta/models') return this.listModels(url);
    const match = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/.exec(url.pathname);
    if (method !== 'POST' || !match)
      return json(404, geminiError(404, `Method not found (${method} ${url.pathname}).`));
    const model = decodeURIComponent(match[1]!);
    const verb = match[2]!;
    if (record.rawBody && record.body === undefined) {
      return json(
        400,
        geminiError(400, `Invalid JSON payload received. Unexpected token.\n${record.rawBody.slice(0, 20)}\n^`),
      );
    }
    if (verb === 'embedContent' || verb === 'batchEmbedContents') {
      if (!this.embeddingModels.includes(model)) return notFound(model, verb);
      const invalid = validateEmbed(record.body, verb === 'batchEmbedContents', model);
      return invalid ? badRequest(invalid) : json(200, embedReply(record.body, verb === 'batchEmbedContents'));
    }
    if (verb !== 'generateContent' && verb !== 'streamGenerateContent')
      return json(404, geminiError(404, `Method not found (${verb}).`));
    if (!this.models.includes(model)) return notFound(model, verb);
    const invalid = validateGenerate(record.body, {
      requireThoughtSignatures: this.options.thoughtSignatures === true,
      model,
    });
    if (invalid) return badRequest(invalid);
    const asked = (record.body as Json).generationConfig?.maxOutputTokens;
    const limit = outputLimitFor(model, this.limits);
    if (typeof asked === 'number' && limit !== undefined && (asked > limit || asked < 1)) {
      return badRequest({
        message: `Unable to submit request because it has a maxOutputTokens value of ${asked} but the supported range is from 1 (inclusive) to ${limit + 1} (exclusive). Update the value and try again.`,
      });
    }
    const over = overWindow(record.body, model, this.options.contextWindows);
    if (over)
      return badRequest({
        message: `The input token count (${over.tokens}) exceeds the maximum number of tokens allowed (${over.maximum}).`,
      });
    const answer = this.answer(record.body as Json, model);
    if (verb === 'generateContent') return json(200, answer.whole);
    return { kind: 'stream', events: answer.events, sse: url.searchParams.get('alt') === 'sse' };
  }

  private checkKey(req: IncomingMessage, url: URL): Reply | undefined {
    const expected = this.options.apiKey;
    if (expected === undefined) return undefined;
    const header = req.headers['x-goog-api-key'];
    const given = typeof header === 'string' ? header : (url.searchParams.get('key') ?? undefined);
    if (given === undefined) {
      return json(
        403,
        geminiError(
          403,
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
      );
    }
    if (given !== expected) {
      return json(
        400,
        geminiError(400, 'API key not valid. Please pass a valid API key.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ]),
      );
    }
    return undefined;
  }

  private listModels(url: URL): Reply {
    const all = [
      ...this.models.map((m) => ({
        name: `models/${m}`,
        methods: ['generateContent', 'countTokens', 'createCachedContent'],
      })),
      ...this.embeddingModels.map((m) => ({
        name: `models/${m}`,
        methods: ['embedContent', 'countTextTokens', 'countTokens'],
      })),
    ];
    const size = Number(url.searchParams.get('pageSize') ?? this.options.pageSize ?? 50);
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const page = all.slice(start, start + size).map((m) => ({
      name: m.name,
      version: '001',
      displayName: m.name.slice('models/'.length),
      description: 'A mock model.',
      inputTokenLimit: 1048576,
      outputTokenLimit: outputLimitFor(m.name.slice('models/'.length), this.limits) ?? 65536,
      supportedGenerationMethods: m.methods,
    }));
    const body: Json = { models: page };
    if (start + size < all.length) body.nextPageToken = String(start + size);
    return json(200, body);
  }

  /** The deterministic answer, whole and as stream events. */
  private answer(body: Json, model: string): { whole: Json; events: Json[] } {
    const contents = body.contents as Json[];
    const config: Json = body.generationConfig ?? {};
    const last = contents.at(-1)!;
    const lastParts: Json[] = last.parts ?? [];
    const userText = lastParts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
    const responseId = randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
    const thinking =
      (config.thinkingConfig !== undefined || thinksByDefault(model)) && config.thinkingConfig?.thinkingBudget !== 0;
    const usage = (outputText: string): Json => {
      const prompt = countTokens(JSON.stringify(contents) + JSON.stringify(body.systemInstruction ?? ''));
      const candidates = countTokens(outputText);
      const meta: Json = {
        promptTokenCount: prompt,
        candidatesTokenCount: candidates,
        totalTokenCount: prompt + candidates,
      };
      if (thinking) {
        meta.thoughtsTokenCount = 12;
        meta.totalTokenCount += 12;
      }
      if ((this.options.cachedTokens ?? 0) > 0) {
        meta.cachedContentTokenCount = this.options.cachedTokens;
        meta.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: this.options.cachedTokens }];
      }
      meta.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
      return meta;
    };
    const frame = (candidates: Json[] | undefined, meta: Json, extra: Json = {}): Json => ({
      ...(candidates ? { candidates } : {}),
      ...extra,
      usageMetadata: meta,
      modelVersion: model,
      responseId,
    });

    if (/blockprompt/i.test(userText)) {
      const whole = frame(undefined, usage(''), { promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] } });
      return { whole, events: [whole] };
    }

    const scripted = this.answerer?.(body);
    if (scripted?.malformedFunctionCall !== undefined) {
      const { candidatesTokenCount: _none, ...meta } = usage('');
      meta.totalTokenCount = meta.promptTokenCount + (meta.thoughtsTokenCount ?? 0);
      const candidate = {
        content: {},
        finishReason: 'MALFORMED_FUNCTION_CALL',
        finishMessage: scripted.malformedFunctionCall,
        index: 0,
      };
      const whole = frame([candidate], meta);
      return { whole, events: [whole] };
    }
    const calls =
      scripted?.functionCalls ?? (scripted?.text === undefined ? this.functionCalls(body, lastParts, userText) : []);
    const thought = thinking && config.thinkingConfig?.includeThoughts === true ? 'Thinking it over.' : undefined;
    if (calls.length) {
      const parts: Json[] = calls.map((c) => ({
        functionCall: c,
        ...(this.options.thoughtSignatures ? { thoughtSignature: SIGNATURE } : {}),
      }));
      if (thought) parts.unshift({ text: thought, thought: true });
      const candidate = { content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 };
      const whole = frame([candidate], usage(JSON.stringify(calls)));
      return { whole, events: [whole] };
    }

    let text: string;
    const responses = lastParts.filter((p) => p.functionResponse).map((p) => p.functionResponse as Json);
    if (scripted?.text !== undefined) text = scripted.text;
    else if (responses.length)
      text = `${this.name}: ${responses.map((r) => `${r.name}=${JSON.stringify(r.response)}`).join('; ')}`;
    else if (config.responseMimeType === 'application/json') {
      const schema = config.responseSchema ?? config.responseJsonSchema;
      text = JSON.stringify(schema ? sample(schema) : { answer: `${this.name}: ${userText}` });
    } else text = `${this.name}: ${userText}`;

    let finishReason = 'STOP';
    if (/unsafe/i.test(userText)) {
      const candidate = {
        finishReason: 'SAFETY',
        index: 0,
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
      };
      const whole = frame([candidate], usage(''));
      return { whole, events: [whole] };
    }
    for (const stop of (config.stopSequences ?? []) as string[]) {
      const at = text.indexOf(stop);
      if (at !== -1) text = text.slice(0, at);
    }
    if (typeof config.maxOutputTokens === 'number' && countTokens(text) > config.maxOutputTokens) {
      text = text.slice(0, config.maxOutputTokens * 4);
      finishReason = 'MAX_TOKENS';
    }
    const n = typeof config.candidateCount === 'number' ? config.candidateCount : 1;
    const texts = Array.from({ length: n }, (_, i) => (i === 0 ? text : `${text} (#${i + 1})`));
    const grounding = searchesGoogle(body) ? groundingFor(userText, texts[0]!) : undefined;
    const whole = frame(
      texts.map((t, index) => ({
        content: { parts: [...(thought ? [{ text: thought, thought: true }] : []), { text: t }], role: 'model' },
        finishReason,
        index,
        ...(grounding && index === 0 ? { groundingMetadata: grounding } : {}),
      })),
      usage(texts.join('')),
    );
    const pieces = texts.map((t) => split(t, Math.max(1, this.options.chunks ?? 3)));
    const count = Math.max(...pieces.map((p) => p.length));
    const events: Json[] = [];
    for (let k = 0; k < count; k++) {
      const isLast = k === count - 1;
      const candidates = texts.map((_, index) => {
        const parts: Json[] = [];
        if (k === 0 && thought) parts.push({ text: thought, thought: true });
        if (pieces[index]![k] !== undefined) parts.push({ text: pieces[index]![k] });
        // Like the API, a candidate's grounding comes once, on its last event.
        const grounded = isLast && grounding && index === 0 ? { groundingMetadata: grounding } : {};
        return { content: { parts, role: 'model' }, ...(isLast ? { finishReason } : {}), index, ...grounded };
      });
      // Like the API, every event carries the usage so far (cumulative, not per event).
      const sentSoFar = pieces.map((p) => p.slice(0, k + 1).join('')).join('');
      events.push(frame(candidates, usage(sentSoFar)));
    }
    return { whole, events };
  }

  private functionCalls(body: Json, lastParts: Json[], userText: string): Json[] {
    const declarations: Json[] = ((body.tools ?? []) as Json[]).flatMap(
      (t) => (t.functionDeclarations ?? []) as Json[],
    );
    if (declarations.length === 0 || lastParts.some((p) => p.functionResponse)) return [];
    const fcc: Json = body.toolConfig?.functionCallingConfig ?? {};
    if (fcc.mode === 'NONE') return [];
    if (fcc.mode !== 'ANY' && !/weather/i.test(userText)) return [];
    const allowed: string[] | undefined = fcc.allowedFunctionNames;
    const names = allowed?.length ? allowed : declarations.map((d) => String(d.name));
    const chosen = /\bboth\b/i.test(userText) ? names.slice(0, 2) : names.slice(0, 1);
    return chosen.map((name, i) => ({ name, args: callArguments(declarations, name, i === 0 ? 'Paris' : 'Tokyo') }));
  }
}

/**
 * The 2.5 Flash and Pro models and Gemini 3 think unless told not to (thinkingBudget 0); Flash-Lite
 * and the older models do not.
 */
function thinksByDefault(model: string): boolean {
  if (/flash-lite/.test(model)) return false;
  return /^gemini-(2\.5|3)/.test(model);
}

/**
 * A call's arguments: a sample of the function's parameters with `city` (the weather tool's) the
 * given one; a function that declares no parameters (the tests' weather tool) gets just the city.
 */
function callArguments(declarations: Json[], name: string, city: string): Json {
  const declaration = declarations.find((d) => d.name === name);
  const schema: Json | undefined = declaration?.parameters ?? declaration?.parametersJsonSchema;
  const declared = schema !== undefined && Object.keys(schema.properties ?? {}).length > 0;
  const args = (declared ? sample(schema) : {}) as Json;
  if (!declared || 'city' in args) args.city = city;
  return args;
}

function embedReply(body: Json, batch: boolean): Json {
  const vector = (request: Json): Json => {
    const text = ((request.content?.parts ?? []) as Json[]).map((p) => p.text ?? '').join('');
    const dims = typeof request.outputDimensionality === 'number' ? request.outputDimensionality : EMBEDDING_DIMENSIONS;
    const digest = createHash('sha256').update(text).digest();
    return {
      values: Array.from({ length: dims }, (_, i) => Math.round(((digest[i % 32]! / 255) * 2 - 1) * 1e6) / 1e6),
    };
  };
  return batch ? { embeddings: (body.requests as Json[]).map(vector) } : { embedding: vector(body) };
}

/** A value matching a (Gemini or JSON) schema: first enum value, typed placeholders, every property. */
function sample(schema: Json): unknown {
  const type = String(schema.type ?? (schema.properties ? 'OBJECT' : 'STRING')).toUpperCase();
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (Array.isArray(schema.anyOf) && schema.anyOf.length) return sample(schema.anyOf[0]);
  switch (type) {
    case 'OBJECT': {
      const out: Json = {};
      const keys: string[] = schema.propertyOrdering ?? Object.keys(schema.properties ?? {});
      for (const key of keys) out[key] = sample(schema.properties[key]);
      return out;
    }
    case 'ARRAY':
      return schema.items ? [sample(schema.items)] : [];
    case 'INTEGER':
      return 1;
    case 'NUMBER':
      return 1.5;
    case 'BOOLEAN':
      return true;
    case 'NULL':
      return null;
    default:
      return 'text';
  }
}

function json(status: number, body: unknown): Reply {
  return { kind: 'json', status, body };
}

/** Whether a request offers Grounding with Google Search. */
function searchesGoogle(body: Json): boolean {
  return Array.isArray(body.tools) && (body.tools as Json[]).some((t) => t && t.googleSearch !== undefined);
}

/** The page the mock's search finds for a query (a Google redirect URI, as the API gives, and the site as title). */
export function mockSearchUri(query: string): string {
  return `https://vertexaisearch.cloud.google.com/grounding-api-redirect/${createHash('sha256').update(query).digest('hex').slice(0, 16)}`;
}

/**
 * groundingMetadata as the API gives it: the query it searched (the user's text), two pages found
 * (groundingChunks, Google's redirect URIs, the site as title), the answer's text supported by
 * the first (groundingSupports: UTF-8 byte offsets), and the search suggestion to show.
 */
function groundingFor(query: string, text: string): Json {
  return {
    webSearchQueries: [query],
    searchEntryPoint: { renderedContent: `<div class="container">${query}</div>` },
    groundingChunks: [
      { web: { uri: mockSearchUri(query), title: 'example.com' } },
      { web: { uri: mockSearchUri(`${query} 2`), title: 'example.org' } },
    ],
    groundingSupports: [
      {
        segment: { startIndex: 0, endIndex: Buffer.byteLength(text), text },
        groundingChunkIndices: [0],
      },
    ],
  };
}

function badRequest(invalid: Invalid): Reply {
  const details = invalid.violations
    ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: invalid.violations }]
    : undefined;
  return json(400, geminiError(400, invalid.message, details));
}

function notFound(model: string, verb: string): Reply {
  return json(
    404,
    geminiError(
      404,
      `models/${model} is not found for API version v1beta, or is not supported for ${verb}. Call ListModels to see the list of available models and their supported methods.`,
    ),
  );
}

/** The real API pretty-prints JSON bodies with two-space indentation. */
function pretty(body: unknown): string {
  return `${JSON.stringify(body, null, 2)}\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? body : pretty(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function gone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function split(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces = Math.min(count, Math.max(chars.length, 1));
  return Array.from({ length: pieces }, (_, i) =>
    chars.slice(Math.floor((i * chars.length) / pieces), Math.floor(((i + 1) * chars.length) / pieces)).join(''),
  );
}

function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
