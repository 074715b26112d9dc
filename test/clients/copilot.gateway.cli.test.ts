/**
 * The real GitHub Copilot CLI (`copilot -p`, headless, unmodified, offline) THROUGH the gateway,
 * with its bring-your-own-key provider settings and no GitHub sign-in: provider `openai` on Chat
 * Completions (its default) and on Responses (COPILOT_PROVIDER_WIRE_API=responses), base URL the
 * gateway's /v1; provider `anthropic` (Messages), base URL the gateway's root, as Copilot takes
 * Anthropic's. Each to every kind of upstream.
 *
 * For each: a turn (exit 0, the mock's answer printed, the upstream call's path, status and model),
 * and a round trip through Copilot's built-in `bash` tool (the command approved with
 * `--allow-tool=shell(touch)`) whose follow-up carries the command's output in the upstream's
 * terms, Copilot printing the mock's second answer; unapproved, the command does not run and the
 * follow-up carries Copilot's refusal. Where Copilot's wire is the upstream's own, Copilot is also
 * run straight against the mock, and the bodies that reached it through the gateway must keep
 * every field Copilot sends.
 *
 * On Copilot's Responses wire, a reasoning model's tool round trip is refused by the OpenAI
 * upstream (pass-through), straight to it as through the gateway: Copilot sends its function call
 * back under an id of its own (`fc_<call_id>`), not the one the upstream gave it, so the reasoning
 * item before it lacks its follower (the mock checks this as OpenAI does); without reasoning
 * (gpt-4.1) the round trip passes.
 *
 * Then errors: a wrong gateway key and an upstream's 400 end Copilot with exit 1 and the error on
 * stderr, at once, with nothing retried.
 *
 * On every run the deny proxy saw no attempt at all; one test runs Copilot without its offline
 * switches and shows that the proxy then sees its calls to api.github.com, so the net holds.
 *
 * The runs share one COPILOT_CACHE_HOME: Copilot's package is extracted once for the file, not
 * before every run (a last test shows it stays in place).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  expectToolResultSent,
  modelOf,
  scriptToolCall,
  type ScriptedCall,
} from '../support/clients/tool-round-trip.js';
import { bodyShape, type BodyShapeOptions } from '../support/clients/body-shape.js';
import {
  extractedPackages,
  runCopilot,
  useCopilotCache,
  type CopilotProvider,
  type CopilotResult,
  type CopilotRun,
  type CopilotWireApi,
} from '../support/clients/copilot.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import {
  callPath,
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
  type Call,
  type UpstreamKind,
} from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

/** The wire Copilot speaks: which one follows from the provider and, for `openai`, the wire API. */
type ClientWire = 'chat' | 'responses' | 'messages';

interface ClientSetup {
  wire: ClientWire;
  provider: CopilotProvider;
  wireApi?: CopilotWireApi;
  model: string;
}

const CLIENTS: readonly ClientSetup[] = [
  { wire: 'chat', provider: 'openai', model: 'gpt-4.1' },
  { wire: 'responses', provider: 'openai', wireApi: 'responses', model: 'gpt-5.5' },
  { wire: 'messages', provider: 'anthropic', model: 'claude-sonnet-4-5' },
];
const CLIENT_MODELS = CLIENTS.map((c) => c.model);

const TEST_MS = CLIENT_HUNG_MS + 60_000;
/**
 * `touch` writes, so Copilot runs it only when approved (`echo` alone it runs unasked, as read-only);
 * the quotes keep the output out of the command's own text: only a command that ran prints it.
 */
const COMMAND = 'touch switchyard-marker && echo switchyard""-copilot-ok';
/** The approval the command needs in a headless run (`--allow-tool=shell(touch)`). */
const ALLOW = ['shell(touch)'];
const OUTPUT = 'switchyard-copilot-ok';
const FINAL_ANSWER = 'switchyard-copilot-done';

/** The tool call the upstream is scripted to make (Copilot's bash tool wants a description beside the command), and what comes back after it. */
const BASH: ScriptedCall = {
  name: 'bash',
  args: { command: COMMAND, description: 'Print a marker' },
  output: OUTPUT,
  final: FINAL_ANSWER,
};

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());
const copilotCache = useCopilotCache();

function expectSuccess(run: CopilotResult): void {
  expectCleanRun(run, proxy);
}

/** The gateway's base URL as Copilot takes it for the provider: Anthropic's without /v1. */
function baseUrlFor(bench: Bench, client: ClientSetup): string {
  return client.provider === 'anthropic' ? bench.gateway.url : bench.baseUrl;
}

function runThrough(bench: Bench, client: ClientSetup, extra: Partial<CopilotRun> = {}): Promise<CopilotResult> {
  return runCopilot({
    baseUrl: baseUrlFor(bench, client),
    apiKey: CLIENT_KEY,
    provider: client.provider,
    wireApi: client.wireApi,
    model: client.model,
    prompt: 'Say hello',
    extraEnv: proxy.env(),
    timeoutMs: CLIENT_HUNG_MS,
    cacheHome: copilotCache(),
    ...extra,
  });
}

/** The upstream kind that speaks each of Copilot's wires itself. */
const NATIVE: Record<ClientWire, UpstreamKind> = { chat: 'chat', responses: 'openai', messages: 'anthropic' };

/**
 * Besides what every client's body keeps: the time Copilot puts before the prompt and the session
 * folder its system prompt names (in each run's own home) masked, its prompt cache key by type,
 * and the model left out (the upstream's name for it through the gateway). Both runs name the
 * client's model to Copilot, whose prompt and token limits follow from it.
 */
const SHAPE: BodyShapeOptions = {
  date: /<current_datetime>[^<]*<\/current_datetime>|Session folder: \S+/,
  byType: ['prompt_cache_key'],
  omit: ['model'],
};

/**
 * Runs Copilot straight against the upstream (only where Copilot's wire is the upstream's own),
 * then through the gateway, in the same cwd (Copilot's system prompt names it); both runs' calls.
 */
async function runBoth(
  bench: Bench,
  client: ClientSetup,
  extra: Partial<CopilotRun> = {},
): Promise<{ run: CopilotResult; calls: Call[]; direct?: Call[] }> {
  const cwd = await mkdtemp(join(tmpdir(), 'sy-copilot-gw-cwd-'));
  try {
    let direct: Call[] | undefined;
    if (NATIVE[client.wire] === bench.kind) {
      const alone = await runThrough(bench, client, {
        ...extra,
        cwd,
        baseUrl: client.provider === 'anthropic' ? bench.anthropic.origin : bench.openai.baseUrl,
        apiKey: UPSTREAM_KEY,
      });
      expectSuccess(alone);
      direct = bench.calls();
    }
    const before = bench.calls().length;
    const run = await runThrough(bench, client, { ...extra, cwd });
    return { run, calls: bench.calls().slice(before), direct };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/**
 * The wire the gateway speaks to this bench's upstream for Copilot's wire: the OpenAI upstream
 * serves both OpenAI APIs, and only Responses callers are passed through to its /v1/responses.
 */
function upstreamWire(kind: UpstreamKind, wire: ClientWire): UpstreamKind {
  if (kind !== 'openai') return kind;
  return wire === 'responses' ? 'openai' : 'chat';
}

/**
 * The follow-up Copilot sends on its Responses wire after a reasoning model's tool call: the
 * reasoning item (its id, encrypted content) and then the function call, whose id is not the one
 * the upstream gave it (`fc_<hex>`) but `fc_` + its call_id, so OpenAI's rule that a reasoning item
 * come right before the item that followed it (by id) refuses the request.
 */
function expectReasoningFollowedByRenamedCall(followUp: any): void {
  const [reasoning, call, output] = followUp.input.slice(-3);
  expect([reasoning.type, call.type, output.type]).toEqual(['reasoning', 'function_call', 'function_call_output']);
  expect(reasoning.encrypted_content).toEqual(expect.any(String));
  expect(call).toMatchObject({ name: 'bash', call_id: output.call_id, id: `fc_${output.call_id}` });
  expect(JSON.stringify(output.output)).toContain(OUTPUT);
}

describe.each(UPSTREAM_KINDS)('Copilot through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, CLIENT_MODELS)));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  describe.each(CLIENTS)('with the $provider provider on $wire ($model)', (client) => {
    const wire = upstreamWire(kind, client.wire);

    it(
      'completes a turn',
      async () => {
        const { run, calls, direct } = await runBoth(bench, client);
        expectSuccess(run);
        // The mock answers "<its name>: <the last user text>"; Copilot puts the date before the prompt.
        expect(run.stdout.trim()).toMatch(new RegExp(`^${kind}: [\\s\\S]*Say hello$`));
        expect(calls.map((c) => c.status)).toEqual([200]);
        expect(calls[0]!.path).toMatch(callPath(wire, true));
        expect(modelOf(calls[0]!)).toBe(bench.model(client.model));
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
        }
      },
      TEST_MS,
    );

    if (kind === 'openai' && client.wire === 'responses') {
      it(
        'a bash tool round trip after reasoning is refused by the upstream, as straight to it: Copilot sends its function call back under an id of its own',
        async () => {
          scriptToolCall(bench, BASH);
          const direct = await runCopilot({
            baseUrl: bench.openai.baseUrl,
            apiKey: UPSTREAM_KEY,
            provider: client.provider,
            wireApi: client.wireApi,
            model: client.model,
            prompt: 'Run the command',
            allowTools: ALLOW,
            extraEnv: proxy.env(),
            timeoutMs: CLIENT_HUNG_MS,
            cacheHome: copilotCache(),
          });
          const directCalls = bench.calls();
          bench.reset();
          scriptToolCall(bench, BASH);
          const run = await runThrough(bench, client, { prompt: 'Run the command', allowTools: ALLOW });
          for (const [result, calls] of [
            [direct, directCalls],
            [run, bench.calls()],
          ] as const) {
            expect(result.timedOut).toBe(false);
            expect(proxy.attempts).toEqual([]);
            expect(result.exitCode, result.stderr).toBe(1);
            expect(result.stderr).toContain("of type 'reasoning' was provided without its required following item");
            expect(calls.map((c) => c.status)).toEqual([200, 400]);
            expectReasoningFollowedByRenamedCall(calls[1]!.body);
          }
        },
        TEST_MS,
      );

      it(
        'with a model that does not reason (gpt-4.1), a bash tool round trip passes through: the follow-up carries the call and its output',
        async () => {
          scriptToolCall(bench, BASH);
          const run = await runThrough(
            bench,
            { ...client, model: 'gpt-4.1' },
            {
              prompt: 'Run the command',
              allowTools: ALLOW,
            },
          );
          expectSuccess(run);
          expect(run.stdout.trim()).toBe(FINAL_ANSWER);
          const calls = bench.calls();
          expect(calls.map((c) => c.status)).toEqual([200, 200]);
          for (const call of calls) {
            expect(call.path).toMatch(callPath('openai', true));
            expect(modelOf(call)).toBe('gpt-4.1');
          }
          expectToolResultSent('openai', calls[1]!.body, BASH);
        },
        TEST_MS,
      );
      return;
    }

    it(
      'makes a bash tool round trip: runs the approved command, sends back the call and its output, prints the answer after it',
      async () => {
        scriptToolCall(bench, BASH);
        const { run, calls, direct } = await runBoth(bench, client, { prompt: 'Run the command', allowTools: ALLOW });
        expectSuccess(run);
        expect(run.stdout.trim()).toBe(FINAL_ANSWER);
        expect(calls.map((c) => c.status)).toEqual([200, 200]);
        for (const call of calls) {
          expect(call.path).toMatch(callPath(wire, true));
          expect(modelOf(call)).toBe(bench.model(client.model));
        }
        expectToolResultSent(wire, calls[1]!.body, BASH);
        if (direct) {
          expect(direct.map((c) => c.status)).toEqual([200, 200]);
          expect(calls.map((c) => bodyShape(c.body, SHAPE))).toEqual(direct.map((c) => bodyShape(c.body, SHAPE)));
        }
      },
      TEST_MS,
    );
  });
});

describe.each(['chat', 'anthropic'] as const)('Copilot through the gateway to %s: errors end the run', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, CLIENT_MODELS)));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  /** Copilot stopped at once (exit 1, nothing on stdout) with the error on stderr. */
  function expectFailure(run: CopilotResult, message: string): void {
    expect(run.timedOut).toBe(false);
    expect(proxy.attempts).toEqual([]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  }

  describe.each(CLIENTS)('with the $provider provider on $wire ($model)', (client) => {
    it(
      'a wrong gateway key is refused (401) before any upstream call',
      async () => {
        const run = await runThrough(bench, client, { apiKey: 'sk-not-a-gateway-key' });
        expectFailure(run, `Authentication failed with provider at ${baseUrlFor(bench, client)} (HTTP 401)`);
        expect(bench.calls()).toEqual([]);
      },
      TEST_MS,
    );

    it(
      "the upstream's 400 comes back with its message, and is not retried",
      async () => {
        (kind === 'anthropic' ? bench.anthropic : bench.openai).queueFault({ kind: 'status', status: 400 });
        const run = await runThrough(bench, client);
        expectFailure(run, '400 mock error 400');
        expect(bench.calls().map((c) => c.status)).toEqual([400]);
      },
      TEST_MS,
    );
  });
});

describe('Copilot through the gateway to chat: a command not approved', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', CLIENT_MODELS)));
  afterAll(() => bench.close());

  it("does not run: the follow-up carries Copilot's refusal instead of its output", async () => {
    proxy.attempts.length = 0;
    scriptToolCall(bench, BASH);
    const cwd = await mkdtemp(join(tmpdir(), 'sy-copilot-gw-cwd-'));
    try {
      const run = await runThrough(bench, CLIENTS[0]!, { prompt: 'Run the command', cwd });
      expectSuccess(run);
      expect(run.stdout.trim()).toBe(FINAL_ANSWER);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      const tool = calls[1]!.body.messages.at(-1);
      expect(tool.role).toBe('tool');
      expect(tool.content).toContain('Permission denied');
      expect(tool.content).not.toContain(OUTPUT);
      expect(existsSync(join(cwd, 'switchyard-marker'))).toBe(false);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('the deny proxy sees what Copilot reaches for', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', CLIENT_MODELS)));
  afterAll(() => bench.close());

  it('without its offline switches, Copilot calls api.github.com: refused at the proxy, and Copilot carries on', async () => {
    proxy.attempts.length = 0;
    const run = await runThrough(bench, CLIENTS[0]!, { offline: false });
    expect(run.timedOut).toBe(false);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^chat: [\s\S]*Say hello$/);
    // Copilot has exited: whatever it reached for beyond the loopback, the proxy has seen.
    expect(proxy.attempts.length).toBeGreaterThan(0);
    expect(new Set(proxy.attempts.map((a) => `${a.kind} ${a.target}`))).toEqual(
      new Set(['connect api.github.com:443']),
    );
  });
});

describe("Copilot's package, extracted once for the file's runs", () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', CLIENT_MODELS)));
  afterAll(() => bench.close());

  it('is in the shared cache after a run, and the next run uses it as it is', async () => {
    proxy.attempts.length = 0;
    expectSuccess(await runThrough(bench, CLIENTS[0]!));
    const extracted = await extractedPackages(copilotCache());
    expect(extracted).toHaveLength(1);
    const { ino } = await stat(extracted[0]!);
    expectSuccess(await runThrough(bench, CLIENTS[0]!));
    expect(await extractedPackages(copilotCache())).toEqual(extracted);
    // Extracted again, it would have been renamed into place: another directory.
    expect((await stat(extracted[0]!)).ino).toBe(ino);
  });
});
