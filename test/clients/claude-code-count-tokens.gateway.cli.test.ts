/**
 * What makes the real Claude Code CLI call `POST /v1/messages/count_tokens`, through the gateway
 * to each kind of upstream: `/context` (print mode runs it offline: one count per system prompt
 * section, tool set and skill, against a baseline of `foo`), and a Read of a file whose rough
 * size passes a quarter of Read's token limit (the file's text counted before it is returned).
 * Claude Code takes a failed count silently (its own rough estimate instead), so the gateway's
 * answers are asserted: every count 200 — passed through to Anthropic's count_tokens, answered by
 * the gateway's estimate for OpenAI and Gemini (no upstream call).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange, Plugin } from '@switchyard/core';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode, type ClaudeCodeResult } from '../support/clients/claude-code.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';
import { until } from '../support/wait.js';

const CALLER_KEY = 'sk-caller-claude-code';
const UPSTREAM_KEY = 'sk-upstream-0123456789';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
/** 900 lines, about 52 KB: past a quarter of Read's token limit, so Read counts it. */
const BIG_FILE = Array.from({ length: 900 }, (_, i) => `The quick brown fox jumps over the lazy dog, line ${i}`).join(
  '\n',
);

type Kind = 'anthropic' | 'openai' | 'gemini';

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gemini: MockGemini;
let proxy: DenyProxy;
const gateways = {} as Record<Kind, RunningGateway>;
/** Every exchange the gateways finished, oldest first, and how many were routed (beforeRoute ran). */
const finished: Exchange[] = [];
let routed = 0;
const recorder: Plugin = {
  name: 'test-finished-list',
  apply(gateway) {
    gateway.hooks.beforeRoute.tap('test-finished-list', () => void routed++);
    gateway.hooks.onFinish.tap({ name: 'test-finished-list', stage: 1000 }, (x) => void finished.push(x));
  },
};

async function gatewayTo(provider: Record<string, unknown>, model: string): Promise<RunningGateway> {
  return startGateway(
    {
      providers: [{ ...provider, apiKey: UPSTREAM_KEY, models: [model] }],
      models: CLAUDE_MODELS.map((name) => ({ name, targets: [`${String(provider.name)}/${model}`] })),
      plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
    },
    { plugins: [recorder] },
  );
}

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: UPSTREAM_KEY, name: 'anthropic' });
  openai = await startMockOpenAI({ apiKey: UPSTREAM_KEY, name: 'openai' });
  gemini = await startMockGemini({ apiKey: UPSTREAM_KEY, name: 'gemini' });
  proxy = await startDenyProxy();
  gateways.anthropic = await gatewayTo(
    { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.baseUrl },
    'claude-sonnet-4-5',
  );
  gateways.openai = await gatewayTo({ name: 'openai', type: 'openai', baseUrl: openai.baseUrl }, 'gpt-4o-mini');
  gateways.gemini = await gatewayTo({ name: 'gemini', type: 'gemini', baseUrl: gemini.origin }, 'gemini-2.5-flash');
});

afterEach(() => {
  anthropic.reset();
  openai.reset();
  gemini.reset();
  proxy.attempts.length = 0;
  finished.length = 0;
  routed = 0;
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await Promise.all([anthropic.close(), openai.close(), gemini.close(), proxy.close()]);
});

const counts = (): Exchange[] => finished.filter((x) => x.operation === 'count_tokens');
const upstreamCounts = () => anthropic.requests.filter((r) => r.path.startsWith('/v1/messages/count_tokens'));

/** Makes each upstream call Read on `file` first, then answer once the result is back. */
function scriptRead(file: string): void {
  anthropic.setAnswerer((body) => {
    const last = body.messages.at(-1);
    const answered = Array.isArray(last.content) && last.content.some((b: any) => b.type === 'tool_result');
    return answered ? { text: 'read it' } : { toolCalls: [{ name: 'Read', input: { file_path: file } }] };
  });
  openai.setAnswerer((body) =>
    body.messages.at(-1)?.role === 'tool'
      ? { text: 'read it' }
      : { toolCalls: [{ name: 'Read', arguments: { file_path: file } }] },
  );
  gemini.setAnswerer((body) =>
    body.contents.at(-1).parts.some((p: any) => p.functionResponse)
      ? { text: 'read it' }
      : { functionCalls: [{ name: 'Read', args: { file_path: file } }] },
  );
}

/** Runs Claude Code, then waits until every exchange it made has finished at the gateway. */
async function claude(kind: Kind, prompt: string, cwd?: string): Promise<ClaudeCodeResult> {
  const run = await runClaudeCode({
    baseUrl: gateways[kind].url,
    apiKey: CALLER_KEY,
    prompt,
    cwd,
    extraEnv: proxy.env(),
    timeoutMs: CLIENT_HUNG_MS,
  });
  await until(() => finished.length >= routed);
  return run;
}

/** Each count the gateway answered, as [status, whether the Anthropic upstream counted it]. */
function expectCountsAnswered(kind: Kind, minimum: number): void {
  const answered = counts();
  expect(answered.length).toBeGreaterThanOrEqual(minimum);
  expect(answered.map((x) => x.response?.status)).toEqual(answered.map(() => 200));
  const upstream = upstreamCounts();
  if (kind === 'anthropic') {
    expect(upstream.map((r) => [r.path, r.status])).toEqual(
      answered.map(() => ['/v1/messages/count_tokens?beta=true', 200]),
    );
    for (const r of upstream) expect(r.headers['anthropic-beta']).toContain('token-counting-2024-11-01');
  } else {
    expect(upstream).toEqual([]);
  }
}

describe.each<Kind>(['anthropic', 'openai', 'gemini'])('Claude Code count_tokens through the gateway to %s', (kind) => {
  it(
    '/context counts each part of the context, every count answered',
    async () => {
      const run = await claude(kind, '/context');
      expectCleanRun(run, proxy);
      expect(run.text).toMatch(/## Context Usage/);
      expect(run.text).toMatch(/\| System tools \| [\d.]+k? \|/);
      // No model call: only counts.
      expect(finished.map((x) => x.operation)).toEqual(counts().map(() => 'count_tokens'));
      expectCountsAnswered(kind, 10);
      // The baseline it subtracts, and a count with its tools.
      const bodies = counts().map((x) => x.body as any);
      expect(bodies).toContainEqual(
        expect.objectContaining({ messages: [{ role: 'user', content: 'foo' }], tools: [] }),
      );
      expect(bodies.some((b) => b.tools.length > 0)).toBe(true);
    },
    CLIENT_HUNG_MS + 30_000,
  );

  it(
    'a Read of a large file counts the file text before returning it',
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-cc-count-'));
      try {
        const file = join(cwd, 'big.txt');
        await writeFile(file, BIG_FILE);
        scriptRead(file);
        const run = await claude(kind, 'Read big.txt', cwd);
        expectCleanRun(run, proxy);
        expect(run.toolCalls).toEqual([expect.objectContaining({ name: 'Read', isError: false })]);
        expect(run.toolCalls[0]!.result).toContain('line 899');
        expect(run.text).toBe('read it');
        expect(finished.map((x) => x.operation)).toEqual(['chat', 'count_tokens', 'chat']);
        expectCountsAnswered(kind, 1);
        expect(counts()[0]!.body).toMatchObject({ messages: [{ role: 'user', content: BIG_FILE }], tools: [] });
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
    CLIENT_HUNG_MS + 30_000,
  );
});
