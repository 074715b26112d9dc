/**
 * Runs the real Cline CLI (`cline`, unmodified: the compiled binary of its platform package
 * `@cline/cli-<os>-<arch>`) on one task, headless: `cline --json -P <provider> -m <model> <prompt>`
 * (a prompt given on the command line runs in act mode with every tool auto-approved; `--json`
 * prints one JSON event a line and a closing `run_result`; `--compaction off`: no model call of its
 * own to summarise the conversation). Fully offline: a throw-away HOME whose
 * Cline directory (CLINE_DIR) holds the two settings files Cline reads,
 *
 * - `data/settings/providers.json`: the one provider, with its API key, model and base URL (as
 *   `cline auth -p <provider> -k <key> -m <model> -b <url>` writes it; `auth` refuses a base URL
 *   for the Anthropic provider, the file does not);
 * - `data/settings/global-settings.json`: `telemetryOptOut` (no OpenTelemetry export to Cline's
 *   collector), `autoUpdateEnabled: false` (no update check; none seen in `--json` runs anyway),
 *   and Cline's web search on or off;
 *
 * and the environment switches in CLINE_OFFLINE_ENV: no PostHog feature-flag client, and the
 * session run in this process (no background hub daemon left behind). No real keys: the
 * environment is built from nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseJsonLines } from './claude-code.js';
import { baseEnv, runProcess } from './run-process.js';

/**
 * Cline's providers that reach Switchyard, by the wire they speak: `openai-compatible` Chat
 * Completions, `openai-native` the Responses API, `anthropic` Anthropic Messages.
 */
export type ClineProvider = 'openai-compatible' | 'openai-native' | 'anthropic';
export const CLINE_PROVIDERS: readonly ClineProvider[] = ['openai-compatible', 'openai-native', 'anthropic'];

export interface ClineRun {
  /** The provider's base URL including /v1 (Cline adds /chat/completions, /responses or /messages). */
  baseUrl: string;
  /** Sent as Authorization: Bearer (OpenAI providers) or x-api-key (anthropic). */
  apiKey: string;
  provider: ClineProvider;
  /** The model id Cline sends. */
  model: string;
  prompt: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /**
   * Cline's web search: Anthropic's `web_search` server tool (anthropic provider), OpenAI's hosted
   * `web_search` tool (openai-native). Only an upstream of that vendor runs it. @default true (Cline's default)
   */
  webSearch?: boolean;
  /** Keys merged over the generated global-settings.json (e.g. `telemetryOptOut: false`). */
  globalSettings?: Record<string, unknown>;
  /** Environment over the offline switches (e.g. the deny proxy's variables). */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** One tool call Cline ran, and what its tool returned. */
export interface ClineToolCall {
  name: string;
  input: Record<string, unknown>;
  output?: unknown;
  /** True when Cline reported the tool failed; its message is then in `error`. */
  isError?: boolean;
  error?: string;
}

export interface ClineResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The closing `run_result` event's `finishReason` (`completed`, `error`, …). */
  finishReason?: string;
  /** The closing event's text: the answer, or the error message. */
  text?: string;
  /** The closing event's usage. */
  usage?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  /** The errors the agent reported (its `error` events), with Cline's class for each (`auth`, …). */
  errors: Array<{ message: string; errorClass?: string }>;
  /** The error Cline printed on stderr (its closing `error` line), when the run failed. */
  stderrError?: string;
  toolCalls: ClineToolCall[];
  /** True when Cline left a hub daemon's traces (its log or lock) in its data directory. */
  hubStarted: boolean;
  /** Every --json event, in order. */
  events: Array<Record<string, any>>;
}

/** The environment switches that keep Cline off the network but for the model calls; exported so tests can show what is set. */
export const CLINE_OFFLINE_ENV: Readonly<Record<string, string>> = {
  // Cline's feature flags come from PostHog (data.cline.bot) unless IS_TEST is "true", its only use
  // besides letting tests set flags: the no-op flag provider is used instead.
  IS_TEST: 'true',
  // "auto" (the default) starts a hub daemon in the background that outlives the CLI; "local" runs
  // the session in the CLI's own process.
  CLINE_SESSION_BACKEND_MODE: 'local',
};

/** The global-settings.json: no telemetry export, no auto-update, Anthropic's web search as asked. */
export function clineGlobalSettings(run: Pick<ClineRun, 'webSearch' | 'globalSettings'>): Record<string, unknown> {
  return {
    telemetryOptOut: true,
    autoUpdateEnabled: false,
    tools: { web_search: { enabled: run.webSearch ?? true } },
    ...run.globalSettings,
  };
}

/**
 * The providers.json with the one provider. Cline validates the whole file (`updatedAt` is a
 * required date-time) and resets every provider's settings when it does not parse.
 */
export function clineProviders(
  run: Pick<ClineRun, 'provider' | 'apiKey' | 'model' | 'baseUrl'>,
): Record<string, unknown> {
  return {
    version: 1,
    lastUsedProvider: run.provider,
    modes: {},
    providers: {
      [run.provider]: {
        settings: { provider: run.provider, apiKey: run.apiKey, model: run.model, baseUrl: run.baseUrl },
        updatedAt: new Date().toISOString(),
        tokenSource: 'manual',
      },
    },
  };
}

export async function runCline(run: ClineRun): Promise<ClineResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-cline-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-cline-cwd-')));
  try {
    const clineDir = join(home, '.cline');
    const settingsDir = join(clineDir, 'data', 'settings');
    await mkdir(settingsDir, { recursive: true });
    await writeFile(join(settingsDir, 'providers.json'), JSON.stringify(clineProviders(run), null, 2));
    await writeFile(join(settingsDir, 'global-settings.json'), JSON.stringify(clineGlobalSettings(run), null, 2));
    const args = ['--json', '--compaction', 'off', '-P', run.provider, '-m', run.model, run.prompt];
    const env = { ...baseEnv(home), CLINE_DIR: clineDir, ...CLINE_OFFLINE_ENV, ...run.extraEnv };
    const out = await runProcess(clineBinary(), args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    const events = parseJsonLines(out.stdout);
    const result = events.findLast((e) => e.type === 'run_result');
    return {
      exitCode: out.exitCode,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      finishReason: result?.finishReason,
      text: result?.text,
      usage: result?.usage,
      errors: events
        .filter((e) => e.type === 'agent_event' && e.event?.type === 'error')
        .map((e) => ({ message: String(e.event.error?.message), errorClass: e.event.errorClass })),
      stderrError: parseJsonLines(out.stderr).findLast((e) => e.type === 'error')?.message,
      toolCalls: toolCallsOf(events),
      hubStarted:
        existsSync(join(clineDir, 'data', 'logs', 'hub-daemon.log')) ||
        existsSync(join(clineDir, 'data', 'locks', 'hub')),
      events,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

function toolCallsOf(events: Array<Record<string, any>>): ClineToolCall[] {
  const calls = new Map<string, ClineToolCall>();
  for (const { type, event } of events) {
    if (type !== 'agent_event' || event?.contentType !== 'tool') continue;
    if (event.type === 'content_start')
      calls.set(event.toolCallId, { name: String(event.toolName), input: event.input ?? {} });
    const call = calls.get(event.toolCallId);
    if (event.type === 'content_end' && call) {
      call.output = event.output;
      call.isError = event.error !== undefined;
      if (event.error !== undefined) call.error = String(event.error);
    }
  }
  return [...calls.values()];
}

/**
 * The compiled binary of Cline's platform package, which the `cline` package's Node wrapper would
 * look up and spawn (the wrapper only adds the OS trust store to NODE_EXTRA_CA_CERTS, of no use
 * against loopback mocks).
 */
export function clineBinary(): string {
  const require = createRequire(import.meta.url);
  const os = platform() === 'win32' ? 'windows' : platform();
  const file = os === 'windows' ? 'cline.exe' : 'cline';
  try {
    const bin = join(dirname(require.resolve(`@cline/cli-${os}-${arch()}/package.json`)), 'bin', file);
    if (existsSync(bin)) return bin;
  } catch {
    // Not installed: fall through to the copy the postinstall may have made.
  }
  const cached = join(dirname(require.resolve('cline/package.json')), 'bin', '.cline');
  if (existsSync(cached) && statSync(cached).size > 1_000_000) return cached;
  throw new Error(`no Cline binary: @cline/cli-${os}-${arch()} is not installed`);
}
