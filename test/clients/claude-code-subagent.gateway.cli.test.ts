/**
 * The real Claude Code CLI (unmodified, offline) delegating to a sub-agent through the gateway: the
 * model calls the `Agent` tool, Claude Code runs the sub-agent (its own requests: another system
 * prompt, the task as the user turn, its own tools), the sub-agent reads a file with `Read`, and
 * its report comes back to the main agent as the `Agent` tool's result. To an Anthropic upstream
 * (passed through), and converted to an OpenAI and a Gemini upstream by aliases of the names
 * Claude Code asks for.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'fake-gateway-key-subagent';
const UPSTREAM_KEY = 'fake-upstream-key';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-sonnet-4-6'];
/** Marks the sub-agent's task, so the scripted model knows which agent it is answering. */
const TASK = 'SUBTASK-7: read note.txt and report the secret word';
const SECRET = 'the secret word is marshalling';

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let gemini: MockGemini;
let proxy: DenyProxy;
const gateways: Record<string, RunningGateway> = {};

const withKeys = (config: Record<string, unknown>) => ({
  ...config,
  plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
});

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: UPSTREAM_KEY, name: 'anthropic' });
  openai = await startMockOpenAI({ apiKey: UPSTREAM_KEY, name: 'openai' });
  gemini = await startMockGemini({ apiKey: UPSTREAM_KEY, name: 'gemini' });
  proxy = await startDenyProxy();
  gateways.anthropic = await startGateway(
    withKeys({
      providers: [
        {
          name: 'anthropic',
          type: 'anthropic',
          baseUrl: anthropic.baseUrl,
          apiKey: UPSTREAM_KEY,
          models: CLAUDE_MODELS,
        },
      ],
    }),
  );
  gateways.openai = await startGateway(
    withKeys({
      providers: [
        { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] },
      ],
      models: CLAUDE_MODELS.map((name) => ({ name, targets: ['openai/gpt-4o-mini'] })),
    }),
  );
  gateways.gemini = await startGateway(
    withKeys({
      providers: [
        { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: UPSTREAM_KEY, models: ['gemini-2.5-flash'] },
      ],
      models: CLAUDE_MODELS.map((name) => ({ name, targets: ['gemini/gemini-2.5-flash'] })),
    }),
  );
});

afterEach(() => {
  anthropic.reset();
  openai.reset();
  gemini.reset();
  proxy.attempts.length = 0;
});

afterAll(async () => {
  for (const gw of Object.values(gateways)) await gw.close();
  await Promise.all([anthropic?.close(), openai?.close(), gemini?.close(), proxy?.close()]);
});

const textOf = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content ?? ''));

/** The agent a request comes from, and what it saw last, read per upstream wire format. */
interface Turn {
  /** The sub-agent: its first user turn is the task. */
  isSub: boolean;
  /** Whether this agent already called a tool (Read for the sub-agent, Agent for the main one). */
  called: boolean;
  /** The last user-side turn (a tool result, a notification), as text. */
  last: string;
}

function turnOf(upstream: string, body: any): Turn {
  if (upstream === 'gemini') {
    const contents = body.contents;
    return {
      isSub: textOf(contents[0]).includes('SUBTASK-7'),
      called: contents.some((c: any) => c.role === 'model' && c.parts.some((p: any) => p.functionCall)),
      last: textOf(contents.at(-1)),
    };
  }
  const messages = body.messages.filter((m: any) => m.role !== 'system');
  return {
    isSub: textOf(messages[0].content).includes('SUBTASK-7'),
    called: messages.some(
      (m: any) =>
        m.role === 'assistant' &&
        (m.tool_calls?.length > 0 || (Array.isArray(m.content) && m.content.some((b: any) => b.type === 'tool_use'))),
    ),
    last: textOf(messages.at(-1)),
  };
}

/**
 * One scripted model for both agents. The sub-agent calls Read, then reports what it saw; the main
 * agent calls Agent with TASK, then answers with what came back (the tool's result, or the
 * notification of a background agent's end).
 */
function script(upstream: string, file: string, background: boolean): void {
  const agentCall = {
    description: 'Find the secret word',
    prompt: TASK,
    subagent_type: 'general-purpose',
    run_in_background: background,
  };
  const decide = (body: any): { text: string } | { name: string; input: Record<string, unknown> } => {
    const turn = turnOf(upstream, body);
    if (turn.isSub)
      return turn.called ? { text: `sub-agent found: ${turn.last}` } : { name: 'Read', input: { file_path: file } };
    return turn.called ? { text: `main agent got: ${turn.last}` } : { name: 'Agent', input: agentCall };
  };
  if (upstream === 'anthropic')
    anthropic.setAnswerer((body) => {
      const next = decide(body);
      return 'text' in next ? next : { toolCalls: [next] };
    });
  else if (upstream === 'openai')
    openai.setAnswerer((body) => {
      const next = decide(body);
      return 'text' in next ? next : { toolCalls: [{ name: next.name, arguments: next.input }] };
    });
  else
    gemini.setAnswerer((body) => {
      const next = decide(body);
      return 'text' in next ? next : { functionCalls: [{ name: next.name, args: next.input }] };
    });
}

const modelCalls: Record<string, () => Array<{ status?: number }>> = {
  anthropic: () => anthropic.requests.filter((r) => r.path.startsWith('/v1/messages')),
  openai: () => openai.requests.filter((r) => r.path.startsWith('/v1/chat/completions')),
  gemini: () => gemini.requests.filter((r) => /:(stream)?[gG]enerateContent/.test(r.path)),
};

describe.each([
  ['an Anthropic upstream', 'anthropic'],
  ['an OpenAI upstream (aliases to gpt-4o-mini)', 'openai'],
  ['a Gemini upstream (aliases to gemini-2.5-flash)', 'gemini'],
])('Claude Code delegating to a sub-agent, through the gateway to %s', (_label, upstream) => {
  it.each([
    ['in the foreground: its report is the Agent tool result', false],
    ['in the background (the default): its report comes as a notification', true],
  ])('runs the sub-agent %s', { timeout: TEST_MS }, async (_how, background) => {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-ccsub-'));
    try {
      const file = join(cwd, 'note.txt');
      await writeFile(file, `${SECRET}\n`);
      script(upstream, file, background);
      const result = await runClaudeCode({
        baseUrl: gateways[upstream]!.url,
        apiKey: CALLER_KEY,
        prompt: 'Ask a sub-agent for the secret word in note.txt',
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(result.timedOut).toBe(false);
      expect(proxy.attempts).toEqual([]);
      expect(result.exitCode, `${result.stderr}\n${result.stdout.slice(-2000)}`).toBe(0);
      // The sub-agent's Read result went into its report, and the report into the main agent's answer.
      expect(result.text).toMatch(/^main agent got: [^]*sub-agent found: [^]*the secret word is marshalling/);
      expect(result.toolCalls.filter((c) => c.name === 'Agent')).toEqual([
        expect.objectContaining({ input: expect.objectContaining({ prompt: TASK }), isError: false }),
      ]);
      // Main: the Agent call and the answer (and, in the background, the answer to the
      // notification); the sub-agent: the Read call and its report. Nothing refused or retried.
      expect(modelCalls[upstream]!().map((c) => c.status)).toEqual(Array(background ? 5 : 4).fill(200));
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
