/**
 * The real Grok CLI (`grok -p`, headless, unmodified, offline) THROUGH the gateway: it speaks Chat
 * Completions (GROK_BASE_URL = the gateway's /v1; not streaming in headless mode), and the model it
 * names is an alias to each kind of upstream. For each: a plain answer, a streamed answer (its
 * interactive UI, on a pseudo terminal, until the answer shows), and a round trip through
 * its own `view_file` tool (auto-approved in headless mode) whose follow-up carries the file's text
 * in the upstream's terms; what the upstream received (path, model, tools, messages) and what Grok
 * CLI printed are asserted.
 *
 * Grok CLI sends xAI's Live Search field `search_parameters` on every call (`mode: "off"` for a
 * model not named grok), which OpenAI refuses and xAI has retired: the gateway drops it, named in a
 * warning, so OpenAI upstreams answer. Straight against a compatible server that takes unknown
 * fields, Grok CLI's body is the same as what reaches the Chat server through the gateway, but for
 * that field.
 *
 * Every run: the deny proxy saw no attempt.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bodyShape, type BodyShapeOptions } from '../support/clients/body-shape.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { GROK_ERROR, runGrok, runGrokInteractive, type GrokResult } from '../support/clients/grok-cli.js';
import {
  callPath,
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
  type Call,
} from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';
import {
  expectToolResultSent,
  modelOf,
  scriptToolCall,
  type ScriptedCall,
} from '../support/clients/tool-round-trip.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';

/** Grok CLI's default model; the gateway aliases it to each upstream's model. */
const MODEL = 'grok-code-fast-1';
const TEST_MS = 2 * CLIENT_HUNG_MS + 60_000;
const SECRET = 'the secret word is switchyard-grok';
const GROK_TOOLS = ['view_file', 'create_file', 'str_replace_editor', 'bash', 'search'];

/**
 * Besides what every client's body keeps: the model left out (the alias's target through the
 * gateway), and xAI's `search_parameters` (the gateway drops it; asserted on its own).
 */
const SHAPE: BodyShapeOptions = { omit: ['model', 'search_parameters'] };

let proxy: DenyProxy;
/** A compatible server that takes fields it does not know, for Grok CLI's direct runs (the strict mock refuses `search_parameters`, as OpenAI does). */
let lenient: MockOpenAI;
beforeAll(async () => {
  proxy = await startDenyProxy();
  lenient = await startMockOpenAI({ name: 'chat', apiKey: UPSTREAM_KEY, chatOnly: true, strictChat: false });
});
afterAll(async () => {
  await proxy.close();
  await lenient.close();
});

function expectSuccess(run: GrokResult): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.exitCode, `${run.stderr.slice(-2000)}\n${run.stdout.slice(-2000)}`).toBe(0);
  // Grok CLI reports a failed model call as its answer, and still exits 0.
  expect(run.text).not.toContain(GROK_ERROR);
}

const toolNames = (call: Call): string[] =>
  (call.body.tools ?? []).flatMap((t: any) =>
    Array.isArray(t.functionDeclarations)
      ? t.functionDeclarations.map((d: { name: string }) => d.name)
      : [t.function?.name ?? t.name],
  );

describe.each(UPSTREAM_KINDS)('Grok CLI through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => {
    bench.reset();
    lenient.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  /** Chat callers reach an OpenAI upstream on Chat Completions too. */
  const wire = kind === 'openai' ? 'chat' : kind;

  /** Runs Grok CLI straight against the lenient server (for the Chat bench), then through the gateway, in one cwd. */
  async function runBoth(
    prompt: string,
    prepare?: (cwd: string) => Promise<void>,
  ): Promise<{ run: GrokResult; calls: Call[]; direct?: Call[] }> {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-grok-gw-cwd-'));
    try {
      await prepare?.(cwd);
      const common = { model: MODEL, prompt, cwd, extraEnv: proxy.env(), timeoutMs: CLIENT_HUNG_MS };
      let direct: Call[] | undefined;
      if (kind === 'chat') {
        expectSuccess(await runGrok({ ...common, baseUrl: lenient.baseUrl, apiKey: UPSTREAM_KEY }));
        direct = lenient.requests
          .filter((r) => r.method === 'POST')
          .map((r) => ({ path: r.path, status: r.status, headers: r.headers, body: r.body }));
      }
      const run = await runGrok({ ...common, baseUrl: bench.baseUrl, apiKey: CLIENT_KEY });
      return { run, calls: bench.calls(), direct };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  function expectCall(call: Call, stream = false): void {
    expect(call.status).toBe(200);
    expect(call.path).toMatch(callPath(wire, stream));
    expect(modelOf(call)).toBe(bench.model(MODEL));
    expect(toolNames(call)).toEqual(expect.arrayContaining(GROK_TOOLS));
    expect(call.body.search_parameters).toBeUndefined();
  }

  /** Straight to the server, Grok CLI sent xAI's field; through the gateway everything else came as sent. */
  function expectSameShape(calls: Call[], direct: Call[] | undefined): void {
    if (!direct) return;
    expect(direct.map((c) => c.body.search_parameters)).toEqual(calls.map(() => ({ mode: 'off' })));
    expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
  }

  it(
    'answers a plain prompt',
    async () => {
      const { run, calls, direct } = await runBoth('Say hello');
      expectSuccess(run);
      // The mocks answer with their name and the last user text.
      expect(run.text).toBe(`${kind}: Say hello`);
      expect(run.toolCalls).toEqual([]);
      expect(run.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(calls).toHaveLength(1);
      expectCall(calls[0]!);
      expectSameShape(calls, direct);
    },
    TEST_MS,
  );

  it(
    'streams an answer onto its interactive UI (a pseudo terminal)',
    async () => {
      const answer = `${kind}: Say hello`;
      const run = await runGrokInteractive({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        model: MODEL,
        prompt: 'Say hello',
        until: answer,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expect(run.timedOut, run.screen.slice(-2000)).toBe(false);
      expect(proxy.attempts).toEqual([]);
      expect(run.screen).not.toContain(GROK_ERROR);
      expect(run.screen).toContain(answer);
      const calls = bench.calls();
      expect(calls).toHaveLength(1);
      expect(calls[0]!.path).toMatch(callPath(wire, true));
      if (kind !== 'gemini') expect(calls[0]!.body.stream).toBe(true);
      expectCall(calls[0]!, true);
    },
    TEST_MS,
  );

  it(
    "reads a file with its view_file tool and sends the file's text back",
    async () => {
      let scripted: ScriptedCall | undefined;
      const prepare = async (cwd: string): Promise<void> => {
        const file = join(cwd, 'notes.txt');
        await writeFile(file, `${SECRET}\n`);
        scripted = { name: 'view_file', args: { path: file }, output: SECRET, final: 'the file says switchyard-grok' };
        scriptToolCall(bench, scripted);
        lenient.setAnswerer((body) =>
          body.messages.at(-1).role === 'tool'
            ? { text: scripted!.final }
            : { toolCalls: [{ name: scripted!.name, arguments: scripted!.args }] },
        );
      };
      const { run, calls, direct } = await runBoth('What does notes.txt say?', prepare);
      expectSuccess(run);
      expect(run.toolCalls).toEqual([
        { name: 'view_file', args: scripted!.args, output: expect.stringContaining(SECRET) },
      ]);
      expect(run.text).toBe('the file says switchyard-grok');
      expect(calls).toHaveLength(2);
      for (const call of calls) expectCall(call);
      expectToolResultSent(wire, calls[1]!.body, scripted!);
      expectSameShape(calls, direct);
    },
    TEST_MS,
  );
});
