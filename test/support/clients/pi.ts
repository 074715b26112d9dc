/**
 * Runs the real pi coding agent (`@mariozechner/pi-coding-agent`, unmodified, its `pi` CLI on this
 * Node) in print mode with the JSON event stream (`pi --mode json -p`) against a given base URL,
 * fully offline: a throw-away HOME and agent dir (PI_CODING_AGENT_DIR) whose models.json defines
 * one custom provider (`api`, `baseUrl`, the key through an environment variable) and whose
 * settings.json turns off install telemetry, automatic retries and compaction; `--offline` (no
 * version, package or tool-download checks); no session file; no context files, extensions,
 * skills, prompt templates or themes discovered; a clean environment (no real keys).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonLines } from './claude-code.js';
import { baseEnv, runProcess } from './run-process.js';

/** pi's API names for the three protocols Switchyard serves. */
export type PiApi = 'openai-completions' | 'openai-responses' | 'anthropic-messages';
export const PI_APIS: readonly PiApi[] = ['openai-completions', 'openai-responses', 'anthropic-messages'];

export interface PiRun {
  /**
   * The provider's base URL as pi takes it: for the OpenAI APIs including /v1 (pi adds
   * /chat/completions or /responses), for anthropic-messages without it (pi adds /v1/messages).
   */
  baseUrl: string;
  /** Bearer token for the OpenAI APIs, x-api-key for anthropic-messages. */
  apiKey: string;
  api: PiApi;
  /** The model id pi sends. */
  model: string;
  prompt: string;
  /** The model entry's `reasoning` flag: pi then asks for thinking at `thinking`. @default true */
  reasoning?: boolean;
  /** --thinking level. @default pi's own default (medium) */
  thinking?: 'off' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';
  /** --tools allowlist; pi's default set (read, bash, edit, write) when omitted. */
  tools?: string[];
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /**
   * Pass `--offline` and PI_OFFLINE_ENV. Only a test showing that the deny proxy catches pi's
   * traffic turns this off. @default true
   */
  offline?: boolean;
  /** Extra environment (e.g. the deny proxy's variables), over everything else. */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** One tool call pi ran, and what its tool returned. */
export interface PiToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** The text parts of the tool's result. */
  result?: string;
  isError?: boolean;
}

/** pi's usage of one assistant message (its own field names). */
export interface PiUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  totalTokens: number;
}

export interface PiResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The text of the last assistant message. */
  text?: string;
  /** The last assistant message's stop reason (`stop`, `toolUse`, `length`, `error`, `aborted`). */
  stopReason?: string;
  /** The error pi recorded on the last assistant message (print mode still exits 0 with --mode json). */
  errorMessage?: string;
  toolCalls: PiToolCall[];
  /** The last assistant message's usage. */
  usage?: PiUsage;
  /** Every assistant message of the run, as pi kept it (content blocks, usage, stopReason, …). */
  assistantMessages: Array<Record<string, any>>;
  /** Every --mode json event, in order. */
  events: Array<Record<string, any>>;
}

const PROVIDER = 'switchyard-test';
const KEY_VARIABLE = 'SWITCHYARD_TEST_API_KEY';

/** The models.json that defines the one provider pi uses; the key is read from KEY_VARIABLE. */
export function piModels(run: Pick<PiRun, 'baseUrl' | 'api' | 'model' | 'reasoning'>): Record<string, unknown> {
  return {
    providers: {
      [PROVIDER]: {
        baseUrl: run.baseUrl,
        api: run.api,
        apiKey: KEY_VARIABLE,
        models: [{ id: run.model, reasoning: run.reasoning ?? true, input: ['text'] }],
      },
    },
  };
}

/** The settings.json: no telemetry ping, failures shown at once (no agent or SDK retries), no compaction. */
export const PI_SETTINGS: Readonly<Record<string, unknown>> = {
  enableInstallTelemetry: false,
  quietStartup: true,
  retry: { enabled: false, provider: { maxRetries: 0 } },
  compaction: { enabled: false },
};

/** The switches that keep pi offline, set besides `--offline`; exported so tests can show what is set. */
export const PI_OFFLINE_ENV: Readonly<Record<string, string>> = {
  PI_OFFLINE: '1',
  PI_SKIP_VERSION_CHECK: '1',
  PI_TELEMETRY: '0',
};

/**
 * pi's CLI script (its package's `bin`, dist/cli.js), run with this Node. The package exports
 * neither package.json nor a `require` entry, so it is looked up the way Node looks up packages:
 * in node_modules folders from here upwards.
 */
export function piCli(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', '@mariozechner', 'pi-coding-agent');
    if (existsSync(join(pkg, 'package.json'))) {
      const bin = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: { pi: string } }).bin.pi;
      return join(pkg, bin);
    }
    if (dirname(dir) === dir) throw new Error('@mariozechner/pi-coding-agent is not installed (npm ci)');
  }
}

export async function runPi(run: PiRun): Promise<PiResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-pi-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-pi-cwd-')));
  try {
    const agentDir = join(home, '.pi', 'agent');
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'models.json'), JSON.stringify(piModels(run), null, 2));
    await writeFile(join(agentDir, 'settings.json'), JSON.stringify(PI_SETTINGS, null, 2));
    const offline = run.offline ?? true;
    const args = [
      piCli(),
      ...(offline ? ['--offline'] : []),
      '--mode',
      'json',
      '--print',
      '--no-session',
      '--no-context-files',
      '--no-extensions',
      '--no-skills',
      '--no-prompt-templates',
      '--no-themes',
      '--provider',
      PROVIDER,
      '--model',
      run.model,
    ];
    if (run.thinking) args.push('--thinking', run.thinking);
    if (run.tools) args.push('--tools', run.tools.join(','));
    args.push(run.prompt);
    const env = {
      ...baseEnv(home),
      PI_CODING_AGENT_DIR: agentDir,
      [KEY_VARIABLE]: run.apiKey,
      ...(offline ? PI_OFFLINE_ENV : {}),
      ...run.extraEnv,
    };
    const out = await runProcess(process.execPath, args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    const events = parseJsonLines(out.stdout);
    const assistantMessages = events
      .filter((e) => e.type === 'message_end' && e.message?.role === 'assistant')
      .map((e) => e.message as Record<string, any>);
    const last = assistantMessages.at(-1);
    const text = Array.isArray(last?.content)
      ? last.content
          .filter((c: { type: string }) => c.type === 'text')
          .map((c: { text: string }) => c.text)
          .join('')
      : undefined;
    return {
      exitCode: out.exitCode,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      text,
      stopReason: last?.stopReason,
      errorMessage: last?.errorMessage,
      toolCalls: toolCallsOf(events),
      usage: last?.usage,
      assistantMessages,
      events,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

function toolCallsOf(events: Array<Record<string, any>>): PiToolCall[] {
  const calls = new Map<string, PiToolCall>();
  for (const event of events) {
    if (event.type === 'tool_execution_start')
      calls.set(event.toolCallId, { id: event.toolCallId, name: event.toolName, args: event.args ?? {} });
    if (event.type === 'tool_execution_end' && calls.has(event.toolCallId)) {
      const call = calls.get(event.toolCallId)!;
      const content: unknown = event.result?.content;
      call.result = Array.isArray(content)
        ? content
            .filter((c: { type: string }) => c.type === 'text')
            .map((c: { text: string }) => c.text)
            .join('')
        : JSON.stringify(event.result);
      call.isError = event.isError === true;
    }
  }
  return [...calls.values()];
}
