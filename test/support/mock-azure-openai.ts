/**
 * A mock Azure OpenAI resource for gateway tests, on 127.0.0.1.
 *
 * Serves `POST /openai/deployments/{deployment}/chat/completions?api-version=…` (and
 * `/embeddings`), the v1 API `POST /openai/v1/chat/completions` (deployment in `model`),
 * the Responses API (`POST /openai/v1/responses`, `POST /openai/responses?api-version=…` from
 * 2025-03-01-preview; deployment in `model`; checked and answered as the mock OpenAI Responses
 * API does) and `GET /openai/models`. Checks what Azure checks: the `api-key` header or an Entra ID bearer
 * token (asked of the mock token endpoint), the api-version, the deployment, unknown request
 * arguments, tool-message order, image URLs and the json_object "json" rule — with Azure's error
 * bodies. Answers like Azure: `prompt_filter_results` on every answer (a first stream chunk with
 * no choices carries them), `content_filter_results` on every choice. The content filter: a
 * prompt with "violent" is refused (400 content_filter with innererror.content_filter_result);
 * one with "filter-output" is answered partly and ends with finish_reason content_filter.
 *
 * How it answers: the last message a tool result → `<name>: <tool>=<result>`; tools and
 * "weather" (or tool_choice required / a named function) → a tool call with a value of the
 * tool's schema; response_format json_object → `{"answer": …}`, json_schema → a value of the
 * schema; otherwise `<name>: <last user text>` (+ "an image" per image), cut by stop and
 * max_tokens. A prompt over the model's context window (context-windows.ts) is refused as OpenAI
 * refuses it. Faults: statuses (429 with retry-after-ms), delays, resets, streams cut.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockOAuth } from './mock-oauth.js';
import { chatTooLongMessage, overWindow, RESPONSES_TOO_LONG, responsesTooLongEvents } from './context-windows.js';
import { buildResponse, ResponseStore } from './mock-openai-responses.js';
import { modelFieldProblem } from './mock-openai-chat-validate.js';
import { validateResponsesRequest } from './mock-openai-responses-validate.js';
import { MockUpstream, parseJson, readBody } from './mock-server.js';
import { sample } from './schema-sample.js';

export type AzureFault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' }
  | { kind: 'cut'; afterChunks: number };

export interface AzureRecordedRequest {
  method: string;
  path: string;
  deployment: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface MockAzureOpenAI {
  readonly origin: string;
  readonly requests: AzureRecordedRequest[];
  queueFault(...faults: AzureFault[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface MockAzureOpenAIOptions {
  /** Accepted in `api-key`. */
  apiKey?: string;
  /** Accepted bearer tokens are the Entra tokens this endpoint issued. */
  oauth?: MockOAuth;
  /** Deployment name → the model it runs (reported in answers). */
  deployments: Record<string, string>;
  name?: string;
  chunks?: number;
  /**
   * Context windows by model id or id prefix (of the model a deployment runs), over
   * DEFAULT_CONTEXT_WINDOWS; a longer prompt (characters / 4) is refused as OpenAI refuses it:
   * 400 `context_length_exceeded` (in a Responses stream, its `error` event).
   */
  contextWindows?: Record<string, number>;
}

export const AZURE_API_VERSIONS = new Set(['2024-06-01', '2024-10-21', '2025-04-01-preview', '2025-01-01-preview']);
const CHAT_FIELDS = new Set([
  'messages',
  'model',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'presence_penalty',
  'response_format',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
  'function_call',
  'functions',
  'data_sources',
  'reasoning_effort',
  'store',
  'metadata',
  'prediction',
  'modalities',
  'audio',
  'user_security_context',
  'prompt_cache_key',
  'safety_identifier',
  'verbosity',
  'web_search_options',
]);
/** Chat fields the api-versions before 2024-09-01-preview do not know (2024-06-01's specification lacks them). */
const LATER_FIELDS = new Set(['stream_options', 'max_completion_tokens']);
const RESOURCE_NOT_FOUND = { error: { code: '404', message: 'Resource not found' } };
const SAFE = { filtered: false, severity: 'safe' };
const CLEAN_FILTER = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

type Json = Record<string, any>;

export function azureError(status: number, message: string, code: string | null = null, extra: Json = {}): Json {
  return { error: { message, type: status === 429 ? null : 'invalid_request_error', param: null, code, ...extra } };
}

export async function startMockAzureOpenAI(options: MockAzureOpenAIOptions): Promise<MockAzureOpenAI> {
  const mock = new MockAzure(options);
  await mock.listen();
  return mock;
}

class MockAzure extends MockUpstream<AzureRecordedRequest, AzureFault> implements MockAzureOpenAI {
  readonly #stored = new ResponseStore();
  readonly #name: string;

  constructor(private readonly options: MockAzureOpenAIOptions) {
    super();
    this.#name = options.name ?? 'azure';
  }

  override reset(): void {
    super.reset();
    this.#stored.clear();
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req)) as Json | undefined;
    const url = new URL(req.url ?? '/', 'http://mock');
    const v1 = /^\/openai\/v1\/(chat\/completions|embeddings|models|responses)$/.exec(url.pathname);
    const legacy = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(url.pathname);
    const deployment = legacy ? decodeURIComponent(legacy[1]!) : typeof body?.model === 'string' ? body.model : '';
    this.requests.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      deployment,
      headers: { ...req.headers },
      body,
    });
    const fault = this.nextFault();
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status')
      return send(
        res,
        fault.status,
        fault.body ?? azureError(fault.status, `mock error ${fault.status}`, String(fault.status)),
        fault.headers,
      );

    const denied = this.#auth(req);
    if (denied) return send(res, 401, denied);
    const operation =
      v1?.[1] ??
      legacy?.[2] ??
      (url.pathname === '/openai/models' ? 'models' : url.pathname === '/openai/responses' ? 'responses' : undefined);
    const version = v1 ? undefined : (url.searchParams.get('api-version') ?? '');
    if (!operation) return send(res, 404, RESOURCE_NOT_FOUND);
    const unversioned = versionProblem(version);
    if (unversioned) return send(res, unversioned.status, unversioned.body);
    if (operation === 'models' && req.method === 'GET')
      return send(res, 200, {
        data: Object.values(this.options.deployments).map((m) => ({ id: m, object: 'model', status: 'succeeded' })),
        object: 'list',
      });
    const model = this.options.deployments[deployment];
    if (!model) {
      return send(res, 404, {
        error: {
          code: 'DeploymentNotFound',
          message:
            'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
        },
      });
    }
    if (!body)
      return send(
        res,
        400,
        azureError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        ),
      );
    if (version !== undefined && version < '2024-12-01-preview' && /^o3-mini/.test(model))
      return send(
        res,
        400,
        badRequest('Model {modelName} is enabled only for api versions 2024-12-01-preview and later'),
      );
    if (operation === 'responses') {
      if (version !== undefined && version < '2025-03-01-preview')
        return send(
          res,
          400,
          badRequest('Azure OpenAI Responses API is enabled only for api-version 2025-03-01-preview and later'),
        );
      return this.#responses(res, body, model);
    }
    if (operation === 'embeddings') {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const data = inputs.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: [...createHash('sha256').update(String(text)).digest()].slice(0, 8).map((b) => b / 255),
      }));
      return send(res, 200, {
        object: 'list',
        data,
        model,
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    }
    const invalid = validate(body, model, version);
    if (invalid) return send(res, 400, invalid);
    const over = overWindow(body, model, this.options.contextWindows);
    if (over)
      return send(
        res,
        400,
        azureError(400, chatTooLongMessage(over), 'context_length_exceeded', { param: 'messages' }),
      );
    const userText = lastUserText(body.messages);
    if (/violent/i.test(userText)) {
      return send(
        res,
        400,
        azureError(
          400,
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
          'content_filter',
          {
            type: null,
            param: 'prompt',
            status: 400,
            innererror: {
              code: 'ResponsibleAIPolicyViolation',
              content_filter_result: {
                ...CLEAN_FILTER,
                jailbreak: { filtered: false, detected: false },
                violence: { filtered: true, severity: 'medium' },
              },
            },
          },
        ),
      );
    }
    const answer = this.#answer(body, model);
    if (body.stream !== true) return send(res, 200, answer);
    return this.#stream(res, req, answer, body.stream_options?.include_usage === true, fault);
  }

  /** The Responses API: the deployment's model answers, as the mock OpenAI Responses API would. */
  async #responses(res: ServerResponse, body: Json, model: string): Promise<void> {
    const store = this.#stored;
    const problem = validateResponsesRequest(
      { ...body, model },
      {
        outputLimit: () => undefined,
        storedItem: (id) => store.item(id),
        hasResponse: (id) => store.has(id),
        previousItems: (id) => store.conversation(id),
      },
    );
    if (problem)
      return send(
        res,
        problem.status,
        azureError(problem.status, problem.message, problem.code, { param: problem.param }),
      );
    if (overWindow(body, model, this.options.contextWindows)) {
      const error = azureError(400, RESPONSES_TOO_LONG, 'context_length_exceeded', { param: 'input' });
      if (body.stream !== true) return send(res, 400, error);
      return await this.#sse(res, responsesTooLongEvents(`resp_${randomBytes(12).toString('hex')}`, error));
    }
    const built = buildResponse({ ...body, model }, undefined, this.#name, this.options.chunks ?? 3, store);
    if (body.stream !== true) return send(res, 200, built.response);
    return await this.#sse(res, built.events);
  }

  async #sse(res: ServerResponse, events: Json[]): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'apim-request-id': randomBytes(8).toString('hex'),
    });
    for (const event of events) {
      if (res.destroyed) return;
      res.write(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  }

  #auth(req: IncomingMessage): Json | undefined {
    const key = req.headers['api-key'];
    if (typeof key === 'string') {
      return key === this.options.apiKey
        ? undefined
        : {
            error: {
              code: '401',
              message:
                'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
            },
          };
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (this.options.oauth && this.options.oauth.check(bearer) === 'ok') return undefined;
    // These two come from the gateway in front of the resource: `statusCode` and `message`, no `error` object.
    if (req.headers.authorization === undefined)
      return {
        statusCode: 401,
        message:
          'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
      };
    return {
      statusCode: 401,
      message:
        'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.',
    };
  }

  #answer(body: Json, model: string): Json {
    const messages: Json[] = body.messages;
    const last = messages.at(-1)!;
    const tools: Json[] = body.tools ?? [];
    const choice = body.tool_choice;
    const named =
      typeof choice === 'object' ? tools.find((t) => t.function?.name === choice.function?.name) : undefined;
    const userText = lastUserText(messages);
    const tool =
      last.role === 'tool'
        ? undefined
        : (named ??
          (choice === 'required'
            ? tools[0]
            : choice !== 'none' && /\bweather\b/i.test(userText)
              ? tools[0]
              : undefined));
    const message: Json = { role: 'assistant', content: null, refusal: null };
    let finish = 'stop';
    let filterResults: Json = CLEAN_FILTER;
    if (tool) {
      message.tool_calls = [
        {
          id: `call_${randomBytes(12).toString('hex')}`,
          type: 'function',
          function: { name: tool.function.name, arguments: JSON.stringify(sample(tool.function.parameters)) },
        },
      ];
      finish = 'tool_calls';
    } else {
      let text: string;
      if (last.role === 'tool') {
        const names = new Map<string, string>();
        for (const m of messages) for (const call of m.tool_calls ?? []) names.set(call.id, call.function.name);
        text = `${this.#name}: ${names.get(last.tool_call_id)}=${typeof last.content === 'string' ? last.content : JSON.stringify(last.content)}`;
      } else if (body.response_format?.type === 'json_object')
        text = JSON.stringify({ answer: `${this.#name}: ${userText}` });
      else if (body.response_format?.type === 'json_schema')
        text = JSON.stringify(sample(body.response_format.json_schema?.schema));
      else {
        const images = Array.isArray(last.content)
          ? last.content.filter((p: Json) => p.type === 'image_url').length
          : 0;
        text = [`${this.#name}: ${userText}`, ...Array(images).fill('an image')].join(' + ');
      }
      for (const stop of typeof body.stop === 'string' ? [body.stop] : (body.stop ?? [])) {
        const at = text.indexOf(stop);
        if (at >= 0) text = text.slice(0, at);
      }
      const max = body.max_completion_tokens ?? body.max_tokens;
      if (typeof max === 'number' && tokens(text) > max) {
        text = text.slice(0, max * 4);
        finish = 'length';
      }
      if (/filter-output/i.test(userText)) {
        text = text.slice(0, 8);
        finish = 'content_filter';
        filterResults = { ...CLEAN_FILTER, violence: { filtered: true, severity: 'high' } };
      }
      message.content = text;
    }
    const prompt = tokens(JSON.stringify(messages) + JSON.stringify(tools));
    const completion = tokens(JSON.stringify(message));
    return {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      system_fingerprint: 'fp_azuremock',
      prompt_filter_results: [
        {
          prompt_index: 0,
          content_filter_results: { ...CLEAN_FILTER, jailbreak: { filtered: false, detected: false } },
        },
      ],
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null, content_filter_results: filterResults }],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    };
  }

  async #stream(
    res: ServerResponse,
    req: IncomingMessage,
    answer: Json,
    includeUsage: boolean,
    fault: AzureFault | undefined,
  ): Promise<void> {
    const choice = answer.choices[0];
    const base = {
      id: answer.id,
      object: 'chat.completion.chunk',
      created: answer.created,
      model: answer.model,
      system_fingerprint: answer.system_fingerprint,
    };
    const chunk = (delta: Json, finish: string | null = null, filter: Json = CLEAN_FILTER): Json => ({
      ...base,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null, content_filter_results: filter }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events: Json[] = [
      { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: answer.prompt_filter_results },
    ];
    events.push(chunk({ role: 'assistant', content: '', refusal: null }, null, {}));
    if (choice.message.tool_calls) {
      const call = choice.message.tool_calls[0];
      events.push(
        chunk({
          tool_calls: [
            { index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
          ],
        }),
      );
      for (const piece of split(call.function.arguments, 3))
        events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    } else {
      for (const piece of split(choice.message.content, this.options.chunks ?? 3))
        events.push(chunk({ content: piece }));
    }
    events.push(chunk({}, choice.finish_reason, choice.content_filter_results));
    if (includeUsage) events.push({ ...base, choices: [], usage: answer.usage });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'apim-request-id': randomBytes(8).toString('hex'),
    });
    const stopAt = fault?.kind === 'cut' ? fault.afterChunks : Infinity;
    for (const [i, event] of events.entries()) {
      if (i >= stopAt || res.destroyed) break;
      res.write(`data: ${JSON.stringify(event)}\n\n`);
      await new Promise((r) => setImmediate(r));
    }
    if (fault?.kind === 'cut') return void req.socket.destroy();
    res.end('data: [DONE]\n\n');
  }
}

/**
 * The api-version of a deployment URL (undefined on the v1 API): none is a 404, one the resource
 * does not serve a 400.
 */
function versionProblem(version: string | undefined): { status: number; body: Json } | undefined {
  if (version === undefined) return undefined;
  if (version === '') return { status: 404, body: RESOURCE_NOT_FOUND };
  return AZURE_API_VERSIONS.has(version) ? undefined : { status: 400, body: badRequest('API version not supported') };
}

function badRequest(message: string): Json {
  return { error: { code: 'BadRequest', message } };
}

/** OpenAI's request checks, as Azure answers them; `version` is the api-version (undefined on the v1 API). */
function validate(body: Json, model: string, version: string | undefined): Json | undefined {
  for (const key of Object.keys(body)) {
    const known =
      CHAT_FIELDS.has(key) && !(version !== undefined && version < '2024-09-01-preview' && LATER_FIELDS.has(key));
    if (!known) return azureError(400, `Unrecognized request argument supplied: ${key}`);
  }
  const unsupported = modelFieldProblem(body, model);
  if (unsupported) return azureError(400, unsupported.message, unsupported.code, { param: unsupported.param });
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return azureError(400, "'messages' is a required property", null, { param: 'messages' });
  let calls: string[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (m.role === 'tool' && !calls.includes(m.tool_call_id)) {
      return azureError(
        400,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        null,
        { param: `messages.[${i}].role` },
      );
    }
    if (m.role === 'assistant') calls = (m.tool_calls ?? []).map((c: Json) => c.id);
    for (const part of Array.isArray(m.content) ? m.content : []) {
      if (part.type !== 'image_url') continue;
      const url = String(part.image_url?.url ?? '');
      const data = /^data:image\/(png|jpeg|gif|webp);base64,(.*)$/s.exec(url);
      if (data ? !/^[A-Za-z0-9+/]+={0,2}$/.test(data[2]!) : !/^https?:\/\//.test(url)) {
        return azureError(400, 'Invalid image data.', 'invalid_image_format', { param: `messages.[${i}].content` });
      }
    }
  }
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.function?.name ?? ''))
      return azureError(400, `Invalid 'tools[${i}].function.name': string does not match pattern.`, 'invalid_value');
  }
  if (body.response_format?.type === 'json_object' && !/json/i.test(JSON.stringify(body.messages))) {
    return azureError(
      400,
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      null,
      { param: 'messages' },
    );
  }
  return undefined;
}

function lastUserText(messages: Json[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    return (m.content ?? [])
      .filter((p: Json) => p.type === 'text')
      .map((p: Json) => p.text)
      .join('');
  }
  return '';
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'apim-request-id': randomBytes(8).toString('hex'),
    ...headers,
  });
  res.end(payload);
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
