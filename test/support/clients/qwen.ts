/**
 * Runs Qwen Code's real CLI (`@qwen-code/qwen-code`, unmodified, its `qwen` script on this Node)
 * headless (a positional prompt is one-shot; `--output-format json`) against a given base URL, with
 * one of its API protocols: `openai` (Chat Completions), `openai-responses` (Responses) or
 * `anthropic` (Messages), chosen with `--auth-type`; key, base URL and model from the environment
 * (OPENAI_* / ANTHROPIC_*). Tools run without asking (`--approval-mode yolo`).
 *
 * A throw-away HOME and QWEN_HOME hold its settings, sessions and logs; a clean environment. Offline:
 * usage statistics off (QWEN_USAGE_STATISTICS_ENABLED=0 and the setting: on by default, they go to
 * Alibaba Cloud's RUM service, *.rum.aliyuncs.com), telemetry
 * off, update checks off (`general.enableAutoUpdate: false`). qwen's package asks for Node 22; it
 * runs on this Node 20. Its
 * model calls go through Node's global fetch, which on Node 20 ignores HTTP(S)_PROXY, so each run
 * imports proxyFetchModule() first: anything it reaches for beyond the loopback reaches the deny proxy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baseEnv, proxyFetchModule, runProcess } from './run-process.js';

/** Qwen Code's `--auth-type` values that speak to a base URL of ours. */
export type QwenAuthType = 'openai' | 'openai-responses' | 'anthropic';
export const QWEN_AUTH_TYPES: readonly QwenAuthType[] = ['openai', 'openai-responses', 'anthropic'];

export interface QwenRun {
  /** OPENAI_BASE_URL (…/v1) or ANTHROPIC_BASE_URL. */
  baseUrl: string;
  apiKey: string;
  authType: QwenAuthType;
  model: string;
  prompt: string;
  /** Extra qwen flags, before the prompt. */
  args?: string[];
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /**
   * HOME (a fresh temp dir, removed after the run, when omitted). qwen's system prompt names a file
   * in it, so two runs whose bodies are compared share one.
   */
  home?: string;
  /** Extra environment (e.g. the deny proxy's variables), over everything else. */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

export interface QwenResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The JSON output's messages (`--output-format json`), when stdout parsed. */
  messages?: Array<Record<string, any>>;
  /** The final `result` message's text, if any. */
  text?: string;
  /** The final `result` message. */
  result?: Record<string, any>;
}

/** The switches that keep qwen off the network but for its model calls; exported so tests can show what is set. */
export const QWEN_OFFLINE_ENV: Readonly<Record<string, string>> = {
  QWEN_USAGE_STATISTICS_ENABLED: '0',
  QWEN_TELEMETRY_ENABLED: '0',
};

/**
 * ~/.qwen/settings.json: no update checks or usage statistics, telemetry off; no background model
 * calls after a turn (memory extraction, consolidation, skill review), so a run's calls are the
 * turn's own; its own grep (the bundled ripgrep is not executable as npm installs it here).
 */
const SETTINGS = {
  general: { enableAutoUpdate: false },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  memory: { enableManagedAutoMemory: false, enableManagedAutoDream: false, enableAutoSkill: false },
  tools: { useRipgrep: false },
};

/** qwen's script (its package's `bin`), looked up in node_modules folders from here upwards. */
export function qwenCli(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', '@qwen-code', 'qwen-code');
    if (existsSync(join(pkg, 'package.json'))) {
      const bin = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: { qwen: string } }).bin.qwen;
      return join(pkg, bin);
    }
    if (dirname(dir) === dir) throw new Error('@qwen-code/qwen-code is not installed (npm ci)');
  }
}

function modelEnv(run: QwenRun): Record<string, string> {
  return run.authType === 'anthropic'
    ? { ANTHROPIC_API_KEY: run.apiKey, ANTHROPIC_BASE_URL: run.baseUrl, ANTHROPIC_MODEL: run.model }
    : { OPENAI_API_KEY: run.apiKey, OPENAI_BASE_URL: run.baseUrl, OPENAI_MODEL: run.model };
}

export async function runQwen(run: QwenRun): Promise<QwenResult> {
  const home = run.home ?? (await mkdtemp(join(tmpdir(), 'sy-qwen-home-')));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-qwen-cwd-')));
  try {
    const qwenHome = join(home, '.qwen');
    await mkdir(qwenHome, { recursive: true });
    await writeFile(join(qwenHome, 'settings.json'), JSON.stringify(SETTINGS, null, 2));
    const preload = join(home, 'proxy-fetch.mjs');
    await writeFile(preload, proxyFetchModule());
    const args = [
      '--import',
      pathToFileURL(preload).href,
      qwenCli(),
      '--auth-type',
      run.authType,
      '--model',
      run.model,
      '--output-format',
      'json',
      '--approval-mode',
      'yolo',
      ...(run.args ?? []),
      run.prompt,
    ];
    const env = {
      ...baseEnv(home),
      QWEN_HOME: qwenHome,
      QWEN_CODE_SUPPRESS_YOLO_WARNING: '1',
      ...QWEN_OFFLINE_ENV,
      ...modelEnv(run),
      ...run.extraEnv,
    };
    const out = await runProcess(process.execPath, args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    return { ...out, ...parseOutput(out.stdout) };
  } finally {
    if (!run.home) await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

/** `--output-format json`: one JSON array of messages; the last one of type `result`. */
function parseOutput(stdout: string): Pick<QwenResult, 'messages' | 'text' | 'result'> {
  try {
    const messages = JSON.parse(stdout) as Array<Record<string, any>>;
    if (!Array.isArray(messages)) return {};
    const result = messages.findLast((m) => m.type === 'result');
    return { messages, result, text: typeof result?.result === 'string' ? result.result : undefined };
  } catch {
    return {};
  }
}
