/**
 * A gateway in front of one kind of upstream, for running Responses API clients through it:
 * an OpenAI upstream that serves the Responses API (bodies pass through), a Chat-Completions-only
 * OpenAI-compatible server (strict about chat bodies; its Responses paths answer 404), Anthropic,
 * or Gemini — each a strict mock. Every model name a client uses is an alias to that upstream's
 * model; callers present a gateway key, upstreams check their own.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startMockAnthropic, type MockAnthropic } from '../mock-anthropic.js';
import { startMockGemini, type MockGemini } from '../mock-gemini.js';
import { startMockOpenAI, type MockOpenAI } from '../mock-openai.js';
import { startGateway, type RunningGateway } from '../gateway.js';

export type UpstreamKind = 'openai' | 'chat' | 'anthropic' | 'gemini';
export const UPSTREAM_KINDS: readonly UpstreamKind[] = ['openai', 'chat', 'anthropic', 'gemini'];

/** The gateway key clients present, and the key each upstream wants. */
export const CLIENT_KEY = 'sk-switchyard-client-0123456789';
export const UPSTREAM_KEY = 'sk-upstream-0123456789';

/** The upstream model behind every alias (the OpenAI upstream serves each client's own model name). */
const MODELS: Record<Exclude<UpstreamKind, 'openai'>, string> = {
  chat: 'llama-3.1-8b',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
};

/** What an upstream mock recorded of one model call. */
export interface Call {
  path: string;
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface Bench {
  readonly kind: UpstreamKind;
  /** The gateway's OpenAI base URL (…/v1). */
  readonly baseUrl: string;
  readonly gateway: RunningGateway;
  readonly openai: MockOpenAI;
  readonly anthropic: MockAnthropic;
  readonly gemini: MockGemini;
  /** The model calls this bench's upstream received, in order. */
  calls(): Call[];
  /** The upstream model the aliases point to. */
  readonly model: (clientModel: string) => string;
  reset(): void;
  close(): Promise<void>;
}

export interface BenchOptions {
  /** Extra gateway config (plugins, routing), merged over the bench's. */
  config?: Record<string, unknown>;
}

export async function startBench(
  kind: UpstreamKind,
  clientModels: readonly string[],
  options: BenchOptions = {},
): Promise<Bench> {
  const openai = await startMockOpenAI({
    name: kind === 'chat' ? 'chat' : 'openai',
    apiKey: UPSTREAM_KEY,
    chatOnly: kind === 'chat',
  });
  const anthropic = await startMockAnthropic({ name: 'anthropic', apiKey: UPSTREAM_KEY });
  const gemini = await startMockGemini({ name: 'gemini', apiKey: UPSTREAM_KEY, thoughtSignatures: true });
  const model = (clientModel: string): string => (kind === 'openai' ? clientModel : MODELS[kind]);
  const provider =
    kind === 'openai'
      ? { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, responsesApi: true }
      : kind === 'chat'
        ? { name: 'chat', type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY }
        : kind === 'anthropic'
          ? { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.origin, apiKey: UPSTREAM_KEY }
          : { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: UPSTREAM_KEY };
  const extra = options.config ?? {};
  const gateway = await startGateway({
    providers: [provider],
    models: clientModels.map((name) => ({ name, targets: [`${provider.name}/${model(name)}`] })),
    ...extra,
    plugins: {
      auth: { keys: [{ name: 'client', key: CLIENT_KEY }] },
      ...(extra.plugins as Record<string, unknown> | undefined),
    },
  });
  const calls = (): Call[] => {
    const all = kind === 'anthropic' ? anthropic.requests : kind === 'gemini' ? gemini.requests : openai.requests;
    return all
      .filter((r) => r.method === 'POST')
      .map((r) => ({ path: r.path, status: r.status, headers: r.headers, body: r.body }));
  };
  return {
    kind,
    baseUrl: `${gateway.url}/v1`,
    gateway,
    openai,
    anthropic,
    gemini,
    calls,
    model,
    reset() {
      openai.reset();
      anthropic.reset();
      gemini.reset();
    },
    async close() {
      await gateway.close();
      await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
    },
  };
}

/** The path each kind's model calls go to. */
export function callPath(kind: UpstreamKind, stream: boolean): RegExp {
  if (kind === 'openai') return /^\/v1\/responses$/;
  if (kind === 'chat') return /^\/v1\/chat\/completions$/;
  if (kind === 'anthropic') return /^\/v1\/messages$/;
  return stream ? /:streamGenerateContent\?alt=sse$/ : /:generateContent$/;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/clients/', import.meta.url));

/**
 * For the OpenAI upstream (pass-through): the differences between what reached it and what the
 * client sends on its own (the recorded fixture): body keys, input item types and roles, tool
 * names, request by request. Empty when the body came through with every field. A
 * `prompt_cache_key` the gateway's prompt-cache plugin adds is not a difference.
 */
export function passThroughDifferences(fixture: string, calls: readonly Call[]): string[] {
  const recorded = JSON.parse(readFileSync(`${FIXTURES}${fixture}.json`, 'utf8')) as Array<{ body: any }>;
  const shape = (body: any): unknown => ({
    keys: Object.keys(body ?? {})
      .filter((k) => k !== 'prompt_cache_key')
      .sort(),
    input: Array.isArray(body?.input)
      ? body.input.map((i: any) => [i.type, i.role].filter(Boolean).join(':'))
      : typeof body?.input,
    tools: (body?.tools ?? []).map((t: any) => t.name ?? t.type),
  });
  const differences: string[] = [];
  if (recorded.length !== calls.length)
    differences.push(`${calls.length} requests, the client alone sends ${recorded.length}`);
  recorded.forEach((r, i) => {
    const a = JSON.stringify(shape(r.body));
    const b = JSON.stringify(shape(calls[i]?.body));
    if (a !== b) differences.push(`request ${i}: client sends ${a}, upstream got ${b}`);
  });
  return differences;
}
