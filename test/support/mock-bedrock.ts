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
import { overWindow } from './context-windows.js';
import { answerMessages, messageStreamEvents, validateMessagesBody } from './mock-anthropic.js';
import type { AnthropicAnswerer } from './mock-anthropic.js';
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
  /**
   * Decides Converse answers until cleared with null (reset() clears it too): its tool calls (as
   * toolUse blocks), else its text; undefined keeps the default answer. Gets the Converse body.
   */
  setAnswerer(answerer: AnthropicAnswerer | null): void;
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
  /**
   * Context windows by model name or name prefix without Bedrock's provider and region prefixes
   * (`claude-sonnet-4-5` for `us.anthropic.claude-sonnet-4-5-…`), over DEFAULT_CONTEXT_WINDOWS.
   * A longer prompt (characters / 4) is a 400 ValidationException: Converse's "Input is too long
   * for requested model.", InvokeModel's Claude "prompt is too long: N tokens > M maximum".
   */
  contextWindows?: Record<string, number>;
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
  'outputConfig',
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
const TOOL_USE_ID = /^[a-zA-Z0-9_.:-]+$/;
/** Underscores pass though the service's message does not list them; other whitespace than ASCII does not. */
const DOCUMENT_NAME = /^[a-zA-Z0-9_ \t\n\r\-()[\]]+$/;
const TOOL_RESULT_BLOCKS = new Set(['json', 'text', 'image', 'document', 'video', 'searchResult']);
const IMAGE_BYTES = 3.75 * 1024 * 1024;
const DOCUMENT_BYTES = 4.5 * 1024 * 1024;
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
  #answerer: AnthropicAnswerer | null = null;

  constructor(private readonly options: MockBedrockOptions) {
    super();
    this.#name = options.name ?? 'bedrock';
    this.#region = options.region ?? 'us-east-1';
  }

  setAnswerer(answerer: AnthropicAnswerer | null): void {
    this.#answerer = answerer;
  }

  override reset(): void {
    super.reset();
    this.#cache.clear();
    this.#answerer = null;
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
      const over = overWindow(body, modelName(model), this.options.contextWindows);
      if (over)
        return awsError(
          res,
          400,
          'ValidationException',
          `The model returned the following errors: prompt is too long: ${over.tokens} tokens > ${over.maximum} maximum`,
        );
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
    if (overWindow(body, modelName(model), this.options.contextWindows))
      return awsError(res, 400, 'ValidationException', 'Input is too long for requested model.');
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
    const scripted = this.#answerer?.(body);
    if (scripted?.toolCalls?.length) {
      if (scripted.text) content.push({ text: scripted.text });
      for (const call of scripted.toolCalls)
        content.push({
          toolUse: { toolUseId: `tooluse_${randomBytes(8).toString('hex')}`, name: call.name, input: call.input },
        });
      stopReason = 'tool_use';
    } else if (scripted?.text !== undefined) {
      content.push({ text: scripted.text });
    } else if (wanted) {
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

const CLAUDE = /(^|[./])anthropic\./;
const START_WITH_USER =
  'A conversation must start with a user message. Try again with a conversation that starts with a user message.';

/**
 * A constraint of the API model refused as the service words it, e.g. "1 validation error detected:
 * Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value
 * less than or equal to 1". Paths count list members from 1: `toolConfig.tools.1.member.toolSpec.name`.
 */
function constraint(path: string, value: unknown, rule: string): string {
  const shown = typeof value === 'string' || typeof value === 'number' ? ` '${value}'` : '';
  return `1 validation error detected: Value${shown} at '${path}' failed to satisfy constraint: Member must ${rule}`;
}

/** Converse's checks, returning the first problem as its message. */
export function validateConverse(body: Json, model: string): string | undefined {
  for (const key of Object.keys(body)) if (!CONVERSE_FIELDS.has(key)) return `extraneous key [${key}] is not permitted`;
  if (!Array.isArray(body.messages) || body.messages.length === 0) return START_WITH_USER;
  return (
    inferenceProblem(body.inferenceConfig ?? {}, model) ??
    systemProblem(body.system ?? []) ??
    toolConfigProblem(body.toolConfig) ??
    toolChoiceSupportProblem(body.toolConfig?.toolChoice, model) ??
    messagesProblem(body, model)
  );
}

/** inferenceConfig: maxTokens ≥ 1, temperature and topP in 0..1, up to 2500 non-empty stop sequences. */
function inferenceProblem(config: Json, model: string): string | undefined {
  for (const key of Object.keys(config))
    if (!INFERENCE_FIELDS.has(key)) return `extraneous key [inferenceConfig.${key}] is not permitted`;
  const { maxTokens, temperature, topP, stopSequences } = config;
  if (typeof maxTokens === 'number' && maxTokens < 1)
    return constraint('inferenceConfig.maxTokens', maxTokens, 'have value greater than or equal to 1');
  for (const [name, value] of [
    ['temperature', temperature],
    ['topP', topP],
  ] as const) {
    if (typeof value !== 'number') continue;
    if (value > 1) return constraint(`inferenceConfig.${name}`, value, 'have value less than or equal to 1');
    if (value < 0) return constraint(`inferenceConfig.${name}`, value, 'have value greater than or equal to 0');
  }
  if (Array.isArray(stopSequences)) {
    if (stopSequences.length > 2500)
      return constraint('inferenceConfig.stopSequences', undefined, 'have length less than or equal to 2500');
    const empty = stopSequences.findIndex((s) => s === '');
    if (empty !== -1)
      return constraint(
        `inferenceConfig.stopSequences.${empty + 1}.member`,
        '',
        'have length greater than or equal to 1',
      );
  }
  if (temperature !== undefined && topP !== undefined && ONE_SAMPLING_FIELD.test(model))
    return 'The model returned the following errors: `temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  return undefined;
}

function systemProblem(system: Json[]): string | undefined {
  for (const [i, block] of system.entries()) {
    if (block.text === '')
      return constraint(`system.${i + 1}.member.text`, '', 'have length greater than or equal to 1');
    if (!(typeof block.text === 'string' && block.text.trim()) && !block.cachePoint)
      return `system.${i}: a system block holds non-blank text or a cachePoint`;
  }
  return undefined;
}

/** toolConfig: at least one tool, each one member of toolSpec / systemTool / cachePoint; toolChoice names a tool. */
function toolConfigProblem(config: Json | undefined): string | undefined {
  if (config === undefined) return undefined;
  if (!Array.isArray(config.tools)) return 'The provided request is not valid';
  if (config.tools.length === 0)
    return constraint('toolConfig.tools', undefined, 'have length greater than or equal to 1');
  for (const [i, tool] of (config.tools as Json[]).entries()) {
    if (tool.cachePoint || tool.systemTool) continue;
    const at = `toolConfig.tools.${i + 1}.member.toolSpec`;
    const name = tool.toolSpec?.name ?? '';
    if (typeof name === 'string' && name.length > 64)
      return constraint(`${at}.name`, name, 'have length less than or equal to 64');
    if (!TOOL_NAME.test(name))
      return `1 validation error detected: Value at '${at}.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`;
    if (tool.toolSpec.description === '')
      return constraint(`${at}.description`, '', 'have length greater than or equal to 1');
    if (!isObject(tool.toolSpec.inputSchema?.json))
      return `toolConfig.tools.${i}.toolSpec.inputSchema: json is required`;
  }
  const choice = config.toolChoice;
  if (choice && (Object.keys(choice).length !== 1 || !['auto', 'any', 'tool'].includes(Object.keys(choice)[0]!)))
    return 'toolConfig.toolChoice: exactly one of auto, any, tool';
  if (choice?.tool && !config.tools.some((t: Json) => t.toolSpec?.name === choice.tool.name))
    return `toolConfig.toolChoice.tool.name: ${choice.tool.name} is not a tool in toolConfig`;
  return undefined;
}

/**
 * Forcing a tool is for some families only: `any` for Claude (and Mistral Large), `tool` for Claude,
 * Nova (and Mistral Large); Nova, Llama and the others refuse `any`.
 */
function toolChoiceSupportProblem(choice: Json | undefined, model: string): string | undefined {
  const kind = choice?.any ? 'any' : choice?.tool ? 'tool' : undefined;
  if (!kind) return undefined;
  const takes =
    kind === 'any' ? /anthropic\.|mistral\.mistral-large/ : /anthropic\.|amazon\.nova|mistral\.mistral-large/;
  return takes.test(model)
    ? undefined
    : `This model doesn't support the toolConfig.toolChoice.${kind} field. Remove toolConfig.toolChoice.${kind} and try again.`;
}

/** Roles, alternation, tool results answering the previous turn's tool uses, then each message's blocks. */
function messagesProblem(body: Json, model: string): string | undefined {
  let pending: string[] = [];
  for (const [i, m] of (body.messages as Json[]).entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: must be user or assistant`;
    if (i === 0 && m.role !== 'user') return START_WITH_USER;
    if (i > 0 && m.role === body.messages[i - 1].role)
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    if (!Array.isArray(m.content) || m.content.length === 0)
      return `The content field in the Message object at messages.${i} is empty.`;
    const results = m.content.filter((b: Json) => b.toolResult).map((b: Json) => b.toolResult.toolUseId);
    if (m.role === 'user' && pending.some((id) => !results.includes(id)))
      return `messages.${i}: The number of toolResult blocks at messages.${i}.content is less than the number of toolUse blocks at previous turn.`;
    for (const id of results)
      if (!pending.includes(id)) return `messages.${i}: toolResult ${id} answers no toolUse of the previous turn`;
    pending =
      m.role === 'assistant' ? m.content.filter((b: Json) => b.toolUse).map((b: Json) => b.toolUse.toolUseId) : [];
    const problem = contentProblem(m.content, m.role, i, CLAUDE.test(model));
    if (problem) return problem;
    if (!body.toolConfig && m.content.some((b: Json) => b.toolUse || b.toolResult))
      return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  }
  return undefined;
}

/** What the Message reference says of content: images and documents from the user, up to 20 and 5, with text beside documents. */
function contentProblem(content: Json[], role: string, i: number, claude: boolean): string | undefined {
  const images = content.filter((b) => b.image).length;
  const documents = content.filter((b) => b.document).length;
  if (images > 20) return `messages.${i}.content: a message holds up to 20 images, found ${images}`;
  if (documents > 5) return `messages.${i}.content: a message holds up to 5 documents, found ${documents}`;
  if (documents && !content.some((b) => typeof b.text === 'string'))
    return 'A text block must be included when using documents.';
  for (const [j, block] of content.entries()) {
    const problem = blockProblem(block, role, i, j);
    if (problem) return problem;
    if (!block.cachePoint || j === 0) continue;
    const before = content[j - 1]!;
    if (before.reasoningContent)
      return 'Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again.';
    // Claude: a cachePoint after a document other than a PDF does not translate to a Messages block.
    if (claude && before.document && before.document.format !== 'pdf')
      return `The model returned the following errors: messages.${i}.content.${j}.type: Field required`;
  }
  return undefined;
}

function blockProblem(b: Json, role: string, i: number, j: number): string | undefined {
  const kinds = Object.keys(b);
  if (kinds.length !== 1) return `a content block has exactly one member, found ${kinds.join(', ') || 'none'}`;
  if ('text' in b)
    return typeof b.text === 'string' && b.text.trim()
      ? undefined
      : `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`;
  if (b.image) return imageProblem(b.image, role);
  if (b.document) return documentProblem(b.document, role, i, j);
  if (b.toolUse) {
    if (role !== 'assistant' || !isObject(b.toolUse.input))
      return 'toolUse: toolUseId, name and an object input, in assistant turns';
    return toolUseIdProblem(b.toolUse.toolUseId, `messages.${i + 1}.member.content.${j + 1}.member.toolUse`);
  }
  if (b.toolResult) return toolResultProblem(b.toolResult, role, i, j);
  if (b.cachePoint) return cachePointProblem(b.cachePoint);
  if (b.reasoningContent) {
    const r = b.reasoningContent;
    const one = Object.keys(r).length === 1 && (typeof r.reasoningText?.text === 'string' || r.redactedContent);
    return one ? undefined : 'reasoningContent: exactly one of reasoningText (with text) or redactedContent';
  }
  return `unknown content block ${kinds[0]}`;
}

/** Each image: png, jpeg, gif or webp, as base64 bytes or an S3 location, at most 3.75 MB. */
function imageProblem(image: Json, role: string): string | undefined {
  if (role !== 'user') return 'images are only allowed in user messages';
  if (!IMAGE_FORMATS.has(image.format)) return `image.format: must be one of png, jpeg, gif, webp`;
  if (image.source?.s3Location) return undefined;
  const bytes = image.source?.bytes;
  if (typeof bytes !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(bytes)) return 'image.source.bytes: invalid base64';
  return Buffer.byteLength(bytes, 'base64') > IMAGE_BYTES
    ? 'image.source.bytes: an image is at most 3.75 MB'
    : undefined;
}

/** Each document: a known format, a name of the allowed characters (1..200), bytes or an S3 location, at most 4.5 MB. */
function documentProblem(doc: Json, role: string, i: number, j: number): string | undefined {
  if (role !== 'user') return 'documents are only allowed in user messages';
  if (doc.format !== undefined && !DOCUMENT_FORMATS.has(doc.format)) return 'document.format: unsupported';
  const name = typeof doc.name === 'string' ? doc.name : '';
  if (name.length > 200)
    return constraint(
      `messages.${i + 1}.member.content.${j + 1}.member.document.name`,
      name,
      'have length less than or equal to 200',
    );
  if (!DOCUMENT_NAME.test(name) || /\s\s/.test(name))
    return "The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character. Check that the file name conforms to these restrictions and retry your request.";
  if (doc.source?.s3Location) return undefined;
  if (typeof doc.source?.bytes !== 'string' || doc.source.bytes === '')
    return `DocumentSource object at messages.${i}.content.${j}.document.source must set one of the following keys: bytes, s3Location.`;
  return Buffer.byteLength(doc.source.bytes, 'base64') > DOCUMENT_BYTES
    ? 'document.source.bytes: a document is at most 4.5 MB'
    : undefined;
}

/** ToolUseId: 1..64 of letters, digits, `_`, `.`, `:` and `-`. */
function toolUseIdProblem(id: unknown, at: string): string | undefined {
  if (typeof id !== 'string') return `${at}: toolUseId is required`;
  if (id.length > 64) return constraint(`${at}.toolUseId`, id, 'have length less than or equal to 64');
  return TOOL_USE_ID.test(id)
    ? undefined
    : `1 validation error detected: Value at '${at}.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+`;
}

/** A toolResult: in a user turn, with a list of json / text / image / document / video / searchResult blocks. */
function toolResultProblem(result: Json, role: string, i: number, j: number): string | undefined {
  if (role !== 'user' || !Array.isArray(result.content)) return 'toolResult: in user turns, with content';
  const at = `messages.${i + 1}.member.content.${j + 1}.member.toolResult`;
  const idProblem = toolUseIdProblem(result.toolUseId, at);
  if (idProblem) return idProblem;
  if (result.status !== undefined && result.status !== 'success' && result.status !== 'error')
    return `1 validation error detected: Value '${String(result.status)}' at '${at}.status' failed to satisfy constraint: Member must satisfy enum value set: [success, error]`;
  for (const block of result.content as Json[]) {
    const kinds = Object.keys(block);
    if (kinds.length !== 1 || !TOOL_RESULT_BLOCKS.has(kinds[0]!))
      return `toolResult.content: each block has exactly one of ${[...TOOL_RESULT_BLOCKS].join(', ')}`;
  }
  return undefined;
}

function cachePointProblem(point: Json): string | undefined {
  if (point.type !== 'default') return 'cachePoint.type: must be default';
  if (point.ttl !== undefined && point.ttl !== '5m' && point.ttl !== '1h')
    return `1 validation error detected: Value '${String(point.ttl)}' at 'cachePoint.ttl' failed to satisfy constraint: Member must satisfy enum value set: [5m, 1h]`;
  return undefined;
}

/** InvokeModel for Claude: the Messages body with anthropic_version and without model or stream. */
function validateInvoke(body: Json, model: string): string | undefined {
  for (const key of Object.keys(body)) {
    if (!INVOKE_FIELDS.has(key))
      return `Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`;
  }
  if (body.anthropic_version === undefined)
    return 'Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.';
  if (body.anthropic_version !== 'bedrock-2023-05-31')
    return 'Malformed input request: #/anthropic_version: bedrock-2023-05-31 expected, please reformat your input and try again.';
  const { anthropic_version: _v, anthropic_beta: _b, ...messages } = body;
  return validateMessagesBody({ ...messages, model }, '2023-06-01', false);
}

/** A model id without its ARN, region and provider prefixes: `us.anthropic.claude-…` → `claude-…`. */
function modelName(model: string): string {
  return model.split('/').at(-1)!.split('.').at(-1)!;
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
