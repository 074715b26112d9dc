/**
 * Continue's real CLI (`cn -p`, headless print mode, unmodified, offline) THROUGH the gateway, with
 * a local config file whose one model uses cn's `openai` provider (apiBase = the gateway's /v1) or
 * its `anthropic` provider (apiBase = the gateway's /v1 too: cn appends `messages` to it), to each
 * kind of upstream. cn's `openai` provider speaks Chat Completions, but Responses for the models it
 * takes for OpenAI reasoning models (gpt-5…, o1…): both are run, with gpt-4.1 and gpt-5.5.
 *
 * For each: a turn (exit 0, the mock's answer printed, the upstream call's path, status and model),
 * and a round trip through cn's built-in `Bash` tool (tools auto-approved: `--auto`) whose
 * follow-up carries the command's output in the upstream's terms, cn printing the mock's second
 * answer. Where cn's wire is the upstream's own, cn is also run straight against the mock, and
 * the bodies that reached it through the gateway must keep every field cn sends. Then errors: a
 * wrong gateway key and an upstream's 400 end cn with exit 1 and the error on stderr, at once.
 *
 * On every run the deny proxy saw nothing but cn's version check (api.continue.dev, which no
 * switch turns off, refused there); one test shows that the proxy does see it, so the net holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
  CONTINUE_VERSION_CHECK,
  runContinue,
  type ContinueProvider,
  type ContinueResult,
  type ContinueRun,
} from '../support/clients/continue-cli.js';
import { startDenyProxy, type DenyProxy, type ProxyAttempt } from '../support/clients/deny-proxy.js';
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
import { until } from '../support/wait.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

/** The wire cn speaks: which one follows from the provider and, for `openai`, the model name. */
type ClientWire = 'chat' | 'responses' | 'messages';

interface ClientSetup {
  wire: ClientWire;
  provider: ContinueProvider;
  model: string;
}

const CLIENTS: readonly ClientSetup[] = [
  { wire: 'chat', provider: 'openai', model: 'gpt-4.1' },
  { wire: 'responses', provider: 'openai', model: 'gpt-5.5' },
  { wire: 'messages', provider: 'anthropic', model: 'claude-sonnet-4-5' },
];
const CLIENT_MODELS = CLIENTS.map((c) => c.model);

/** The upstream kind that speaks each of cn's wires itself. */
const NATIVE: Record<ClientWire, UpstreamKind> = { chat: 'chat', responses: 'openai', messages: 'anthropic' };

const TEST_MS = 2 * CLIENT_HUNG_MS + 60_000;
const COMMAND = 'echo switchyard-cn-ok';
const OUTPUT = 'switchyard-cn-ok';
const FINAL_ANSWER = 'switchyard-cn-done';

/** The tool call the upstream is scripted to make, and what comes back after it. */
const BASH: ScriptedCall = { name: 'Bash', args: { command: COMMAND }, output: OUTPUT, final: FINAL_ANSWER };

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

const isVersionCheck = (a: ProxyAttempt): boolean =>
  a.kind === CONTINUE_VERSION_CHECK.kind && a.target === CONTINUE_VERSION_CHECK.target;

/** Nothing reached for the network but cn's version check (which may still be on its way). */
function expectOffline(): void {
  expect(proxy.attempts.filter((a) => !isVersionCheck(a))).toEqual([]);
}

function expectSuccess(run: ContinueResult): void {
  expect(run.timedOut).toBe(false);
  expectOffline();
  expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
  expect(run.error).toBeUndefined();
}

/**
 * The wire the gateway speaks to this bench's upstream for cn's wire: the OpenAI upstream serves
 * both OpenAI APIs, and only Responses callers are passed through to its /v1/responses.
 */
function upstreamWire(kind: UpstreamKind, wire: ClientWire): UpstreamKind {
  if (kind !== 'openai') return kind;
  return wire === 'responses' ? 'openai' : 'chat';
}

/** Besides what every client's body keeps: the date in cn's system prompt masked. */
const SHAPE: BodyShapeOptions = { date: /Today's date: \d{4}-\d{2}-\d{2}/ };

describe.each(UPSTREAM_KINDS)('cn through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, CLIENT_MODELS)));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  /**
   * Runs cn with `prompt` straight against the upstream (only where cn's wire is the upstream's),
   * then through the gateway, in the same cwd (cn's system prompt names it); returns both runs' calls.
   */
  async function runBoth(
    client: ClientSetup,
    prompt: string,
  ): Promise<{ run: ContinueResult; calls: Call[]; direct?: Call[] }> {
    const cwd = await mkdtemp(join(tmpdir(), 'sy-cn-gw-cwd-'));
    try {
      const common: Omit<ContinueRun, 'apiBase' | 'apiKey'> = {
        provider: client.provider,
        model: client.model,
        prompt,
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      };
      let direct: Call[] | undefined;
      if (NATIVE[client.wire] === kind) {
        const upstream = client.wire === 'messages' ? `${bench.anthropic.origin}/v1` : bench.openai.baseUrl;
        const alone = await runContinue({
          ...common,
          model: bench.model(client.model),
          apiBase: upstream,
          apiKey: UPSTREAM_KEY,
        });
        expectSuccess(alone);
        direct = bench.calls();
      }
      const before = bench.calls().length;
      const viaGateway = await runContinue({ ...common, apiBase: bench.baseUrl, apiKey: CLIENT_KEY });
      return { run: viaGateway, calls: bench.calls().slice(before), direct };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  describe.each(CLIENTS)('with the $provider provider on $wire ($model)', (client) => {
    const wire = upstreamWire(kind, client.wire);

    it(
      'completes a turn',
      async () => {
        const { run, calls, direct } = await runBoth(client, 'Say hello');
        expectSuccess(run);
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

    it(
      'makes a Bash tool round trip: runs echo, sends back the call and its output, prints the answer after it',
      async () => {
        scriptToolCall(bench, BASH);
        const { run, calls, direct } = await runBoth(client, 'Run echo');
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

describe.each(['chat', 'anthropic'] as const)('cn through the gateway to %s: errors end the run', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, CLIENT_MODELS)));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const runWith = (client: ClientSetup, apiKey: string) =>
    runContinue({
      apiBase: bench.baseUrl,
      apiKey,
      provider: client.provider,
      model: client.model,
      prompt: 'Say hello',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });

  /**
   * cn stopped at once (exit 1, nothing on stdout) with the error on stderr: the OpenAI SDK's
   * "<status> <message>", or the Anthropic SDK's whole Anthropic error body.
   */
  function expectFailure(run: ContinueResult, client: ClientSetup, status: number, message: string, type: string) {
    expect(run.timedOut).toBe(false);
    expectOffline();
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.error?.message).toContain(message);
    if (client.provider === 'openai') expect(run.error!.message).toMatch(new RegExp(`^${status} `));
    else expect(JSON.parse(run.error!.message).error.type).toBe(type);
  }

  describe.each(CLIENTS)('with the $provider provider on $wire ($model)', (client) => {
    it('a wrong gateway key is refused (401) before any upstream call', async () => {
      const run = await runWith(client, 'sk-not-a-gateway-key');
      expectFailure(run, client, 401, 'invalid gateway key', 'authentication_error');
      expect(bench.calls()).toEqual([]);
    });

    it("the upstream's 400 comes back with its message, and is not retried", async () => {
      (kind === 'anthropic' ? bench.anthropic : bench.openai).queueFault({ kind: 'status', status: 400 });
      const run = await runWith(client, CLIENT_KEY);
      expectFailure(run, client, 400, 'mock error 400', 'invalid_request_error');
      expect(bench.calls().map((c) => c.status)).toEqual([400]);
    });
  });
});

describe('the deny proxy sees what cn reaches for', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('chat', CLIENT_MODELS)));
  afterAll(() => bench.close());

  it('cn asks api.continue.dev for its latest version on every start, whatever its switches: refused, and cn carries on', async () => {
    proxy.attempts.length = 0;
    const run = await runContinue({
      apiBase: bench.baseUrl,
      apiKey: CLIENT_KEY,
      provider: 'openai',
      model: 'gpt-4.1',
      prompt: 'Say hello',
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expectSuccess(run);
    expect(run.stdout.trim()).toMatch(/^chat: [\s\S]*Say hello$/);
    // The check starts as cn loads; should its refusal land after cn's exit, it still comes.
    await until(() => proxy.attempts.length > 0, {
      hungAfterMs: CLIENT_HUNG_MS,
      what: "cn's version check at the proxy",
    });
    expect(proxy.attempts).toEqual([CONTINUE_VERSION_CHECK]);
  });
});
