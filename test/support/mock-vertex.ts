/**
 * A mock Google Vertex AI upstream for gateway tests, on 127.0.0.1.
 *
 * In front, what Vertex checks itself: the OAuth bearer token (asked of the mock token endpoint:
 * missing, unknown or expired → 401 UNAUTHENTICATED), the project and location (else 403
 * PERMISSION_DENIED), the publisher model (else 404), Vertex's stricter Gemini rule that every
 * content has a role, and for Claude the rawPredict envelope: `anthropic_version:
 * vertex-2023-10-16` in the body, no `model` field, `stream` matching the method. Behind it, the
 * model calls are served by a mock Gemini (publishers/google: generateContent,
 * streamGenerateContent?alt=sse) and a mock Anthropic (publishers/anthropic: rawPredict,
 * streamRawPredict), which validate the bodies like the real APIs and stream SSE; their
 * answers are passed back byte for byte (a prompt over the model's window refused in each
 * publisher's words). Faults: this mock's own (status with Google's error
 * body, delay, reset), and the inner mocks' (`gemini`, `claude`) for stream faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startMockAnthropic } from './mock-anthropic.js';
import type { MockAnthropic, MockAnthropicOptions } from './mock-anthropic.js';
import { geminiError, startMockGemini } from './mock-gemini.js';
import type { MockGemini, MockGeminiOptions } from './mock-gemini.js';
import type { MockOAuth } from './mock-oauth.js';
import { MockUpstream, parseJson, readBody } from './mock-server.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export type VertexFault =
  { kind: 'status'; status: number; body?: unknown } | { kind: 'delay'; ms: number } | { kind: 'reset' };

export interface VertexRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface MockVertex {
  readonly origin: string;
  readonly requests: VertexRecordedRequest[];
  readonly gemini: MockGemini;
  readonly claude: MockAnthropic;
  queueFault(...faults: VertexFault[]): void;
  reset(): void;
  close(): Promise<void>;
}

export interface MockVertexOptions {
  oauth: MockOAuth;
  project: string;
  location: string;
  name?: string;
  geminiModels?: string[];
  claudeModels?: string[];
  /** More options of the inner mock Gemini (e.g. `cachedTokens`). */
  gemini?: Omit<MockGeminiOptions, 'name' | 'models'>;
  /** More options of the inner mock Anthropic (e.g. `promptCache`, `minCacheTokens`). */
  claude?: Omit<MockAnthropicOptions, 'name' | 'models'>;
  /**
   * Context windows by model name or prefix (without `@version`), over DEFAULT_CONTEXT_WINDOWS, for
   * both publishers: a longer prompt is refused in the publisher's words, Gemini's 400
   * INVALID_ARGUMENT "The input token count (N) exceeds …" or Claude's "prompt is too long: …".
   */
  contextWindows?: Record<string, number>;
}

export async function startMockVertex(options: MockVertexOptions): Promise<MockVertex> {
  const name = options.name ?? 'vertex';
  const windows = options.contextWindows ? { contextWindows: options.contextWindows } : {};
  const gemini = await startMockGemini({
    ...windows,
    ...options.gemini,
    name,
    ...(options.geminiModels ? { models: options.geminiModels } : {}),
  });
  const claude = await startMockAnthropic({
    ...windows,
    ...options.claude,
    name,
    models: options.claudeModels ?? ['claude-sonnet-4-5@20250929'],
  });
  const mock = new MockVertexServer(options, gemini, claude);
  await mock.listen();
  return mock;
}

type Json = Record<string, any>;

class MockVertexServer extends MockUpstream<VertexRecordedRequest, VertexFault> implements MockVertex {
  readonly #claudeModels: string[];

  constructor(
    private readonly options: MockVertexOptions,
    readonly gemini: MockGemini,
    readonly claude: MockAnthropic,
  ) {
    super();
    this.#claudeModels = options.claudeModels ?? ['claude-sonnet-4-5@20250929'];
  }

  override reset(): void {
    super.reset();
    this.gemini.reset();
    this.claude.reset();
  }

  override async close(): Promise<void> {
    await super.close();
    await Promise.all([this.gemini.close(), this.claude.close()]);
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = parseJson(raw) as Json | undefined;
    const path = req.url ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers }, body });
    const fault = this.nextFault();
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status')
      return send(res, fault.status, fault.body ?? geminiError(fault.status, `mock error ${fault.status}`));

    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (this.options.oauth.check(bearer) !== 'ok') {
      return send(
        res,
        401,
        geminiError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        ),
      );
    }
    const url = new URL(path, 'http://mock');
    const match =
      /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):([A-Za-z]+)$/.exec(
        url.pathname,
      );
    if (req.method !== 'POST' || !match)
      return send(res, 404, geminiError(404, `The requested URL ${url.pathname} was not found on this server.`));
    const [, , project, location, publisher, encodedModel, method] = match as unknown as string[];
    const model = decodeURIComponent(encodedModel!);
    const resource = `projects/${project}/locations/${location}/publishers/${publisher}/models/${model}`;
    if (project !== this.options.project || location !== this.options.location) {
      return send(
        res,
        403,
        geminiError(
          403,
          `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`,
        ),
      );
    }
    if (!body) return send(res, 400, geminiError(400, 'Invalid JSON payload received.'));

    if (publisher === 'google') {
      if (method !== 'generateContent' && method !== 'streamGenerateContent')
        return send(res, 400, geminiError(400, `Unsupported method ${method} for publisher google.`));
      const roleless = (body.contents ?? []).findIndex((c: Json) => c.role !== 'user' && c.role !== 'model');
      if (roleless >= 0) return send(res, 400, geminiError(400, 'Please use a valid role: user, model.'));
      return this.#forward(
        res,
        `${this.gemini.origin}/v1beta/models/${encodeURIComponent(model)}:${method}${url.search}`,
        {},
        raw,
        resource,
      );
    }
    if (!this.#claudeModels.includes(model))
      return send(res, 404, geminiError(404, `Publisher Model \`${resource}\` not found.`));
    if (method !== 'rawPredict' && method !== 'streamRawPredict')
      return send(res, 400, geminiError(400, `Unsupported method ${method} for publisher anthropic.`));
    const problem =
      body.anthropic_version !== VERTEX_ANTHROPIC_VERSION
        ? `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`
        : 'model' in body
          ? 'model: Extra inputs are not permitted'
          : (method === 'streamRawPredict') !== (body.stream === true)
            ? `stream: must be ${method === 'streamRawPredict'} for ${method}`
            : undefined;
    if (problem) return send(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: problem } });
    const { anthropic_version: _version, ...messages } = body;
    const beta = req.headers['anthropic-beta'];
    return this.#forward(
      res,
      `${this.claude.origin}/v1/messages`,
      { 'anthropic-version': '2023-06-01', ...(beta ? { 'anthropic-beta': String(beta) } : {}) },
      JSON.stringify({ ...messages, model }),
      resource,
    );
  }

  /** The inner mock's answer, passed back as it comes; a 404 for an unknown model is Vertex's. */
  async #forward(
    res: ServerResponse,
    url: string,
    headers: Record<string, string>,
    body: string,
    resource: string,
  ): Promise<void> {
    let upstream: Response;
    try {
      upstream = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    } catch {
      return void res.socket?.destroy();
    }
    if (upstream.status === 404) return send(res, 404, geminiError(404, `Publisher Model \`${resource}\` not found.`));
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    try {
      for await (const chunk of upstream.body ?? []) res.write(chunk);
      res.end();
    } catch {
      res.socket?.destroy();
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
