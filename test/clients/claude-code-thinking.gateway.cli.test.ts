/**
 * The real Claude Code CLI (thinking on: `thinking: {type: adaptive, display: …}`) THROUGH the
 * gateway to a Gemini upstream: Gemini returns its thoughts only when asked
 * (`thinkingConfig.includeThoughts`), so the gateway asks when the caller shows thinking, and
 * Claude Code gets them as a thinking block before the answer. On a tool round trip the thought,
 * unsigned, is not sent back to Gemini (it takes back only its own signatures).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode, type ClaudeCodeResult } from '../support/clients/claude-code.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const CALLER_KEY = 'sk-caller-claude-code';
const GEM_KEY = 'test-key-gemini';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
/** The mock's thought text, with includeThoughts. */
const THOUGHT = 'Thinking it over.';

let gemini: MockGemini;
let gateway: RunningGateway;
let proxy: DenyProxy;

beforeAll(async () => {
  gemini = await startMockGemini({ apiKey: GEM_KEY, name: 'gemini', thoughtSignatures: true });
  proxy = await startDenyProxy();
  gateway = await startGateway({
    providers: [
      { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: GEM_KEY, models: ['gemini-2.5-flash'] },
    ],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['gemini/gemini-2.5-flash'] })),
    plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
  });
});

afterEach(() => {
  gemini.reset();
  proxy.attempts.length = 0;
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([gemini.close(), proxy.close()]);
});

const modelCalls = () => gemini.requests.filter((r) => /:(stream)?[gG]enerateContent/.test(r.path));

/** The thinking text of each assistant event, in order. */
function thoughtsOf(run: ClaudeCodeResult): string[] {
  return run.events
    .filter((e) => e.type === 'assistant')
    .flatMap((e) => (e.message?.content ?? []) as Array<{ type: string; thinking?: string }>)
    .filter((b) => b.type === 'thinking')
    .map((b) => b.thinking ?? '');
}

const claude = (prompt: string, cwd?: string): Promise<ClaudeCodeResult> =>
  runClaudeCode({
    baseUrl: gateway.url,
    apiKey: CALLER_KEY,
    prompt,
    cwd,
    extraEnv: proxy.env(),
    timeoutMs: CLIENT_HUNG_MS,
  });

describe('Claude Code thinking through the gateway to Gemini', () => {
  it(
    "shows Gemini's thoughts as a thinking block before the answer",
    async () => {
      const run = await claude('Say hello');
      expectCleanRun(run, proxy);
      expect(run.text).toMatch(/^gemini: [^]*Say hello/);
      expect(thoughtsOf(run)).toEqual([THOUGHT]);
      const calls = modelCalls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]!.body.generationConfig.thinkingConfig).toMatchObject({ includeThoughts: true });
    },
    CLIENT_HUNG_MS + 30_000,
  );

  it(
    'makes a Read round trip: a thought each step, none sent back to Gemini',
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-cc-thinking-'));
      try {
        const file = join(cwd, 'note.txt');
        await writeFile(file, 'switchyard-note');
        gemini.setAnswerer((body) =>
          body.contents.at(-1).parts.some((p: { functionResponse?: unknown }) => p.functionResponse)
            ? undefined
            : { functionCalls: [{ name: 'Read', args: { file_path: file } }] },
        );
        const run = await claude('Read note.txt', cwd);
        expectCleanRun(run, proxy);
        expect(run.toolCalls).toEqual([expect.objectContaining({ name: 'Read', isError: false })]);
        expect(run.text).toContain('switchyard-note');
        expect(thoughtsOf(run)).toEqual([THOUGHT, THOUGHT]);
        const calls = modelCalls();
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        const sentBack = JSON.stringify(calls[1]!.body.contents);
        expect(sentBack).not.toContain(THOUGHT);
        expect(sentBack).toContain('"thoughtSignature"');
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
    CLIENT_HUNG_MS + 30_000,
  );
});
