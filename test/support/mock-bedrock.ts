/**
 * A mock AWS Bedrock Runtime upstream for gateway tests.
 *
 * Plain `node:http` on 127.0.0.1. Serves `POST /model/{modelId}/converse`, `/converse-stream`,
 * `/invoke` and `/invoke-with-response-stream` (Claude models, Anthropic Messages bodies). Every
 * request's SigV4 signature is recomputed with the known secret (sigv4.ts) and refused with
 * AWS's 403 bodies when wrong or missing (or a Bedrock API key is checked, when sent as bearer); unknown fields and malformed content are refused with
 * ValidationException (400); models outside `models` are 404, those in `deniedModels` are
 * AccessDeniedException (403). Errors are `{"message"}` with the type in `x-amzn-ErrorType`.
 * Streams are binary `application/vnd.amazon.eventstream` messages, encoded here from the
 * specification (prelude, headers, CRC32s), with the real padding field `p`. Faults: statuses,
 * delays, hangs, resets, streams cut after N events, exception messages after N events.
 *
 * How it answers Converse (deterministic): tools declared and the last user text mentions
 * "weather", or toolChoice any/tool → a toolUse with a value of the tool's schema; the last turn
 * holding toolResults → `<name>: <toolUseId's tool>=<json>`; "unsafe" → stopReason
 * content_filtered; otherwise `<name>: <last user text>` (images and documents named), cut by
 * stopSequences or maxTokens. A system or message `cachePoint` writes its prefix to a cache on
 * first sight and reads it afterwards (cacheWriteInputTokens / cacheReadInputTokens).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { answerMessages, messageStreamEvents, validateMessagesBody } from './mock-anthropic.js';
import { ONE_SAMPLING_FIELD } from './mock-anthropic-validate.js';
import { MockUpstream, parseJson, readBody } from './mock-server.js';
import { sample } from './schema-sample.js';
import { verifySigV4 } from './sigv4.js';
import type { AwsKey } from './sigv4.js';

export type BedrockFault =
  | { kind: 'status'; status: number; type: string; message: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** Stream: this many event messages, then the socket is destroyed. */
  | { kind: 'cut'; afterEvents: number }
  /** Stream: this many event messages, then an exception message (e.g. modelStreamErrorException, throttlingException). */
  | { kind: 'exception'; afterEvents: number; type: string; message?: string };

export interface BedrockRecordedRequest {
  method: string;
  path: string;
  /** The model id, decoded from the path. */
  model: string;
  operation: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  rawBody: string;
}

export interface MockBedrock {
  readonly origin: string;
  readonly requests: BedrockRecordedRequest[];
  queueFault(...faults: BedrockFault[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface MockBedrockOptions {
  /** Keys whose signatures are accepted. */
  keys: AwsKey[];
  /** Bedrock API keys accepted as `Authorization: Bearer` (instead of a signature). */
  apiKeys?: string[];
  /** The region signatures must be scoped to. @default us-east-1 */
  region?: string;
  name?: string;
  /** Model ids served. */
  models?: string[];
  /** Model ids the account has no access to (403 AccessDeniedException). */
  deniedModels?: string[];
  /** Text deltas per text block in a stream. @default 3 */
  chunks?: number;
}

type Json = Record<string, any>;

const CONVERSE_FIELDS = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
  'serviceTier',
]);
const INVOKE_FIELDS = new Set([
  'anthropic_version',
  'anthropic_beta',
  'max_tokens',
  'messages',
  'system',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
  'cache_control',
  'context_management',
]);
const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const DOCUMENT_FORMATS = new Set(['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md']);
const INFERENCE_FIELDS = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const DOCUMENT_NAME = /^[a-zA-Z0-9\s\-()[\]]+$/;
const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.bedrock/';

export async function startMockBedrock(options: MockBedrockOptions): Promise<MockBedrock> {
  const mock = new MockBedrockServer(options);
  await mock.listen();
  return mock;
}

class MockBedrockServer extends MockUpstream<BedrockRecordedRequest, BedrockFault> implements MockBedrock {
  readonly #cache = new Set<string>();
  readonly #name: string;
  readonly #region: string;

  constructor(private readonly options: MockBedrockOptions) {
    super();
    this.#name = options.name ?? 'bedrock';
    this.#region = options.region ?? 'us-east-1';
  }

  override reset(): void {
    super.reset();
    this.#cache.clear();
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const path = req.url ?? '/';
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(path);
    const model = match ? decodeURIComponent(match[1]!) : '';
    const operation = match?.[2] ?? '';
    const body = parseJson(rawBody);
    this.requests.push({
      method: req.method ?? 'GET',
      path,
      model,
      operation,
      headers: { ...req.headers },
      body,
      rawBody,
    });
    const fault = this.nextFault();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') return awsError(res, fault.status, fault.type, fault.message);

    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (bearer !== undefined && !this.options.apiKeys?.includes(bearer))
      return awsError(
        res,
        403,
        'UnrecognizedClientException',
        'Invalid API Key format: Must be a valid Bedrock API key.',
      );
    const problem =
      bearer !== undefined ? undefined : verifySigV4(req, rawBody, this.options.keys, this.#region, 'bedrock');
    if (problem) {
      const type = {
        missing: 'MissingAuthenticationTokenException',
        'unknown-key': 'UnrecognizedClientException',
        'bad-signature': 'InvalidSignatureException',
        expired: 'InvalidSignatureException',
      }[problem.kind];
      return awsError(res, 403, type, problem.message);
    }
    if (req.method !== 'POST' || !match)
      return awsError(res, 404, 'UnknownOperationException', `Unknown operation ${req.method} ${path}`);
    if (this.options.deniedModels?.includes(model))
      return awsError(
        res,
        403,
        'AccessDeniedException',
        "You don't have access to the model with the specified model ID.",
      );
    if (this.options.models && !this.options.models.includes(model))
      return awsError(res, 404, 'ResourceNotFoundException', 'The provided model identifier is invalid.');
    if (!isObject(body))
      return awsError(
        res,
        400,
        'ValidationException',
        'Malformed input request, please reformat your input and try again.',
      );

    if (operation.startsWith('invoke')) {
      if (!/(^|[./])anthropic\./.test(model))
        return awsError(res, 400, 'ValidationException', 'This mock serves InvokeModel for Anthropic models only.');
      const invalid = validateInvoke(body, model);
      if (invalid) return awsError(res, 400, 'ValidationException', invalid);
      const message = answerMessages({ ...body, model }, this.#name);
      message.model = model;
      if (operation === 'invoke') return sendJson(res, 200, message);
      const events = messageStreamEvents(message, this.options.chunks ?? 3);
      const last = events.at(-1)!;
      last['amazon-bedrock-invocationMetrics'] = {
        inputTokenCount: message.usage.input_tokens,
        outputTokenCount: message.usage.output_tokens,
        invocationLatency: 12,
        firstByteLatency: 5,
      };
      return this.#stream(
        res,
        req,
        events.map((e) => ['chunk', { bytes: Buffer.from(JSON.stringify(e)).toString('base64') }]),
        fault,
      );
    }

    const invalid = validateConverse(body, model);
    if (invalid) return awsError(res, 400, 'ValidationException', invalid);
    const answer = this.#converse(body);
    if (operation === 'converse') return sendJson(res, 200, answer);
    return this.#stream(res, req, converseEvents(answer, this.options.chunks ?? 3), fault);
  }

  #converse(body: Json): Json {
    const messages: Json[] = body.messages;
    const last = messages.at(-1)!;
    const tools: Json[] = (body.toolConfig?.tools ?? []).filter((t: Json) => t.toolSpec).map((t: Json) => t.toolSpec);
    const choice: Json | undefined = body.toolConfig?.toolChoice;
    const userText = last.content
      .filter((b: Json) => typeof b.text === 'string')
      .map((b: Json) => b.text)
      .join('');
    const results = last.content.filter((b: Json) => b.toolResult).map((b: Json) => b.toolResult);
    const forced = choice?.tool ? tools.find((t) => t.name === choice.tool.name) : choice?.any ? tools[0] : undefined;
    const wanted = results.length ? undefined : (forced ?? (/\bweather\b/i.test(userText) ? tools[0] : undefined));
    const content: Json[] = [];
    let stopReason = 'end_turn';
    if (wanted) {
      content.push({
        toolUse: {
          toolUseId: `tooluse_${randomBytes(8).toString('hex')}`,
          name: wanted.name,
          input: sample(wanted.inputSchema.json),
        },
      });
      stopReason = 'tool_use';
    } else {
      let text: string;
      if (results.length) {
        const names = new Map<string, string>();
        for (const m of messages)
          for (const b of m.content) if (b.toolUse) names.set(b.toolUse.toolUseId, b.toolUse.name);
        text = `${this.#name}: ${results.map((r: Json) => `${names.get(r.toolUseId)}=${JSON.stringify(r.content[0].json ?? r.content[0].text)}`).join('; ')}`;
      } else {
        const extras = last.content.flatMap((b: Json) =>
          b.image ? ['an image'] : b.document ? [`a document ${b.document.name}`] : [],
        );
        text = `${this.#name}: ${[userText, ...extras].filter(Boolean).join(' + ')}`;
      }
      if (/unsafe/i.test(userText)) {
        text = '';
        stopReason = 'content_filtered';
      }
      for (const stop of body.inferenceConfig?.stopSequences ?? []) {
        const at = text.indexOf(stop);
        if (at >= 0) {
          text = text.slice(0, at);
          stopReason = 'stop_sequence';
        }
      }
      const max = body.inferenceConfig?.maxTokens;
      if (typeof max === 'number' && tokens(text) > max) {
        text = text.slice(0, max * 4);
        stopReason = 'max_tokens';
      }
      content.push({ text });
    }
    const cache = this.#cachePoints(body);
    const input = tokens(
      JSON.stringify(body.system ?? []) + JSON.stringify(messages) + JSON.stringify(body.toolConfig ?? {}),
    );
    const output = tokens(JSON.stringify(content));
    const usage: Json = { inputTokens: Math.max(1, input - cache.read - cache.written), outputTokens: output };
    if (cache.read || cache.written)
      Object.assign(usage, { cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.written });
    usage.totalTokens = usage.inputTokens + output + cache.read + cache.written;
    return { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 42 } };
  }

  /** Each cachePoint's prefix (system, then messages) is written the first time and read afterwards. */
  #cachePoints(body: Json): { read: number; written: number } {
    const blocks: Json[] = [
      ...(body.system ?? []),
      ...body.messages.flatMap((m: Json) => m.content.map((b: Json) => ({ ...b, role: m.role }))),
    ];
    let read = 0;
    let written = 0;
    blocks.forEach((block, i) => {
      if (!block.cachePoint) return;
      const prefix = JSON.stringify(blocks.slice(0, i));
      const hash = createHash('sha256').update(prefix).digest('hex');
      if (this.#cache.has(hash)) read = tokens(prefix);
      else {
        this.#cache.add(hash);
        written = tokens(prefix) - read;
      }
    });
    return { read, written: Math.max(0, written) };
  }

  async #stream(
    res: ServerResponse,
    req: IncomingMessage,
    events: Array<[string, Json]>,
    fault: BedrockFault | undefined,
  ): Promise<void> {
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': randomBytes(16).toString('hex'),
    });
    const stopAt = fault?.kind === 'cut' || fault?.kind === 'exception' ? fault.afterEvents : Infinity;
    for (const [i, [type, payload]] of events.entries()) {
      if (i >= stopAt || res.destroyed) break;
      const message = encodeMessage(
        { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
        JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 1 + (i % 30)) }),
      );
      // Split each message across two writes, so the decoder must reassemble frames.
      res.write(message.subarray(0, 7));
      await tick();
      res.write(message.subarray(7));
      await tick();
    }
    if (fault?.kind === 'cut') return void req.socket.destroy();
    if (fault?.kind === 'exception') {
      res.write(
        encodeMessage(
          { ':exception-type': fault.type, ':content-type': 'application/json', ':message-type': 'exception' },
          JSON.stringify({ message: fault.message ?? `mock ${fault.type}` }),
        ),
      );
    }
    res.end();
  }
}

/** ConverseStream events for a Converse answer, in the real order. */
function converseEvents(answer: Json, chunks: number): Array<[string, Json]> {
  const events: Array<[string, Json]> = [['messageStart', { role: 'assistant' }]];
  answer.output.message.content.forEach((block: Json, index: number) => {
    if (block.toolUse) {
      events.push([
        'contentBlockStart',
        {
          contentBlockIndex: index,
          start: { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } },
        },
      ]);
      for (const piece of split(JSON.stringify(block.toolUse.input), 3))
        events.push(['contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: piece } } }]);
    } else {
      for (const piece of split(block.text, chunks))
        events.push(['contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } }]);
    }
    events.push(['contentBlockStop', { contentBlockIndex: index }]);
  });
  events.push(['messageStop', { stopReason: answer.stopReason }]);
  events.push(['metadata', { usage: answer.usage, metrics: answer.metrics }]);
  return events;
}

/** One event-stream message: prelude (total length, headers length, CRC), string headers, payload, message CRC. */
export function encodeMessage(headers: Record<string, string>, payload: string): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name);
      const v = Buffer.from(value);
      const out = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
      out.writeUInt8(n.length, 0);
      n.copy(out, 1);
      out.writeUInt8(7, 1 + n.length);
      out.writeUInt16BE(v.length, 2 + n.length);
      v.copy(out, 4 + n.length);
      return out;
    }),
  );
  const body = Buffer.from(payload);
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, headerBytes, body, Buffer.alloc(4)]);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** Converse's checks, returning the first problem as its message. */
/** Claude Opus 4.1, the 4.5 models and later take temperature or topP, not both. */
const ONE_SAMPLING_FIELD = /claude-(?:opus|sonnet|haiku)-(?:4-[1-9]|[5-9])(?![0-9])/;

function validateConverse(body: Json, model: string): string | undefined {
  for (const key of Object.keys(body)) if (!CONVERSE_FIELDS.has(key)) return `extraneous key [${key}] is not permitted`;
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  for (const key of Object.keys(body.inferenceConfig ?? {}))
    if (!INFERENCE_FIELDS.has(key)) return `extraneous key [inferenceConfig.${key}] is not permitted`;
  const { temperature, topP } = body.inferenceConfig ?? {};
  if (temperature !== undefined && topP !== undefined && ONE_SAMPLING_FIELD.test(model))
    return 'The model returned the following errors: `temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  for (const [i, block] of (body.system ?? []).entries()) {
    if (!(typeof block.text === 'string' && block.text.trim()) && !block.cachePoint)
      return `system.${i}: a system block holds non-blank text or a cachePoint`;
  }
  const tools: Json[] = body.toolConfig?.tools ?? [];
  for (const [i, tool] of tools.entries()) {
    if (tool.cachePoint) continue;
    if (!TOOL_NAME.test(tool.toolSpec?.name ?? ''))
      return `1 validation error detected: Value at 'toolConfig.tools.${i + 1}.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`;
    if (!isObject(tool.toolSpec.inputSchema?.json))
      return `toolConfig.tools.${i}.toolSpec.inputSchema: json is required`;
  }
  const choice = body.toolConfig?.toolChoice;
  if (choice && (Object.keys(choice).length !== 1 || !['auto', 'any', 'tool'].includes(Object.keys(choice)[0]!)))
    return 'toolConfig.toolChoice: exactly one of auto, any, tool';
  if (choice?.tool && !tools.some((t) => t.toolSpec?.name === choice.tool.name))
    return `toolConfig.toolChoice.tool.name: ${choice.tool.name} is not a tool in toolConfig`;
  let pending: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: must be user or assistant`;
    if (i === 0 && m.role !== 'user')
      return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
    if (i > 0 && m.role === body.messages[i - 1].role)
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    if (!Array.isArray(m.content) || m.content.length === 0) return `messages.${i}.content: must be a non-empty list`;
    const results = m.content.filter((b: Json) => b.toolResult).map((b: Json) => b.toolResult.toolUseId);
    if (m.role === 'user' && pending.some((id) => !results.includes(id)))
      return `messages.${i}: The number of toolResult blocks at messages.${i}.content is less than the number of toolUse blocks at previous turn.`;
    for (const id of results)
      if (!pending.includes(id)) return `messages.${i}: toolResult ${id} answers no toolUse of the previous turn`;
    pending =
      m.role === 'assistant' ? m.content.filter((b: Json) => b.toolUse).map((b: Json) => b.toolUse.toolUseId) : [];
    for (const [j, block] of m.content.entries()) {
      const problem = blockProblem(block, m.role);
      if (problem) return `messages.${i}.content.${j}: ${problem}`;
      if ((block.toolUse || block.toolResult) && !body.toolConfig)
        return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
    }
  }
  return undefined;
}

function blockProblem(b: Json, role: string): string | undefined {
  const kinds = Object.keys(b);
  if (kinds.length !== 1) return `a content block has exactly one member, found ${kinds.join(', ') || 'none'}`;
  if ('text' in b)
    return typeof b.text === 'string' && b.text.trim()
      ? undefined
      : 'The text field in the ContentBlock object is blank. Add text to the text field, and try again.';
  if (b.image) {
    if (role !== 'user') return 'images are only allowed in user messages';
    if (!IMAGE_FORMATS.has(b.image.format)) return `image.format: must be one of png, jpeg, gif, webp`;
    return typeof b.image.source?.bytes === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(b.image.source.bytes)
      ? undefined
      : 'image.source.bytes: invalid base64';
  }
  if (b.document) {
    if (!DOCUMENT_FORMATS.has(b.document.format)) return 'document.format: unsupported';
    if (!DOCUMENT_NAME.test(b.document.name ?? ''))
      return 'document.name: only alphanumerics, whitespace, hyphens, parentheses and square brackets';
    return typeof b.document.source?.bytes === 'string' ? undefined : 'document.source.bytes: required';
  }
  if (b.toolUse)
    return role === 'assistant' && typeof b.toolUse.toolUseId === 'string' && isObject(b.toolUse.input)
      ? undefined
      : 'toolUse: toolUseId, name and an object input, in assistant turns';
  if (b.toolResult)
    return role === 'user' && Array.isArray(b.toolResult.content)
      ? undefined
      : 'toolResult: in user turns, with content';
  if (b.cachePoint) return b.cachePoint.type === 'default' ? undefined : 'cachePoint.type: must be default';
  if (b.reasoningContent) return undefined;
  return `unknown content block ${kinds[0]}`;
}

/** InvokeModel for Claude: the Messages body with anthropic_version and without model or stream. */
function validateInvoke(body: Json, model: string): string | undefined {
  for (const key of Object.keys(body)) {
    if (!INVOKE_FIELDS.has(key))
      return `Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  }
  if (body.anthropic_version !== 'bedrock-2023-05-31')
    return 'Malformed input request: #/anthropic_version: bedrock-2023-05-31 expected, please reformat your input and try again.';
  const { anthropic_version: _v, anthropic_beta: _b, ...messages } = body;
  return validateMessagesBody({ ...messages, model }, '2023-06-01', false);
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  const payload = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}${ERROR_TYPE_SUFFIX}`,
    'x-amzn-requestid': randomBytes(16).toString('hex'),
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  });
  res.end(payload);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
