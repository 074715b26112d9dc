/**
 * Runs Continue's real CLI (`@continuedev/cli`, unmodified, its `cn` script on this Node) in
 * headless print mode (`cn -p`) against a given base URL, with one model from a local config file
 * (`--config`): provider `openai` (Chat Completions) or `anthropic` (Messages), the key inline.
 * A throw-away HOME and Continue global dir (CONTINUE_GLOBAL_DIR) hold the config, cn's session,
 * permissions and log files; a clean environment (no real keys: cn writes its own config from an
 * ANTHROPIC_API_KEY it finds).
 *
 * Offline: telemetry off (CONTINUE_CLI_ENABLE_TELEMETRY=0, CONTINUE_METRICS_ENABLED=0, no OTEL_*
 * variables), CLI auto-update off in cn's global context (`autoUpdateCli: false`), the hub API
 * (CONTINUE_API_BASE) moved to a host of its own so a hub lookup, were there one, stands out in
 * the deny proxy's attempts. cn's version check cannot be turned off: loading its version module
 * fetches https://api.continue.dev/cn/info?id=<machine id> on every start, whatever the switches
 * (cn carries on when it fails). See CONTINUE_VERSION_CHECK.
 *
 * cn's model and hub calls go through Node's global `fetch`, which on Node 20 ignores HTTP(S)_PROXY:
 * unseen, they would simply fail on a machine without DNS. So each run imports, before cn starts
 * (`node --import`), a module that makes undici's EnvHttpProxyAgent the global dispatcher: every
 * fetch then honours HTTP(S)_PROXY and NO_PROXY (as Node 24's NODE_USE_ENV_PROXY would), and what
 * cn reaches for beyond the loopback reaches the deny proxy.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProxyAttempt } from './deny-proxy.js';
import { baseEnv, proxyFetchModule, runProcess } from './run-process.js';

/** cn's two model providers used here: `openai` speaks Chat Completions to a base URL other than OpenAI's, `anthropic` Messages. */
export type ContinueProvider = 'openai' | 'anthropic';
export const CONTINUE_PROVIDERS: readonly ContinueProvider[] = ['openai', 'anthropic'];

export interface ContinueRun {
  /**
   * The model's `apiBase`, including /v1 for both providers: the openai provider adds
   * chat/completions, the anthropic provider messages (its default is https://api.anthropic.com/v1/).
   */
  apiBase: string;
  /** The model's `apiKey`: Authorization: Bearer (openai) or x-api-key (anthropic). */
  apiKey: string;
  provider: ContinueProvider;
  /** The model id cn sends. */
  model: string;
  prompt: string;
  /** Extra cn flags, before the prompt (e.g. `--format json`). */
  args?: string[];
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /** Extra environment (e.g. the deny proxy's variables), over everything else. */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

export interface ContinueResult {
  exitCode: number | null;
  timedOut: boolean;
  /** In print mode: cn's final answer, then a newline. */
  stdout: string;
  stderr: string;
  /** The `{"status":"error","message":…}` line cn prints on stderr when a headless run fails. */
  error?: { status: string; message: string };
}

/** The switches that keep cn off the network but for its model calls; exported so tests can show what is set. */
export const CONTINUE_OFFLINE_ENV: Readonly<Record<string, string>> = {
  CONTINUE_CLI_ENABLE_TELEMETRY: '0',
  CONTINUE_METRICS_ENABLED: '0',
  CONTINUE_API_BASE: 'https://hub.continue.invalid/',
};

/**
 * The one request cn makes whatever its switches (its version check, to api.continue.dev, at
 * start), as the deny proxy records it; the proxy refuses it and cn carries on.
 */
export const CONTINUE_VERSION_CHECK: Readonly<ProxyAttempt> = { kind: 'connect', target: 'api.continue.dev:443' };

/** cn's global context (~/.continue/index/globalContext.json): no CLI auto-update. */
const GLOBAL_CONTEXT = { autoUpdateCli: false };

/** The config file (JSON is YAML): one chat model, the key inline (a `secrets.` reference would be resolved through the hub). */
export function continueConfig(run: Pick<ContinueRun, 'apiBase' | 'apiKey' | 'provider' | 'model'>): string {
  return JSON.stringify(
    {
      name: 'Switchyard test',
      version: '0.0.1',
      schema: 'v1',
      models: [
        {
          name: 'switchyard',
          provider: run.provider,
          model: run.model,
          apiBase: run.apiBase,
          apiKey: run.apiKey,
          roles: ['chat'],
        },
      ],
    },
    null,
    2,
  );
}

/** cn's script (its package's `bin`, dist/cn.js), looked up in node_modules folders from here upwards. */
export function continueCli(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', '@continuedev', 'cli');
    if (existsSync(join(pkg, 'package.json'))) {
      const bin = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: { cn: string } }).bin.cn;
      return join(pkg, bin);
    }
    if (dirname(dir) === dir) throw new Error('@continuedev/cli is not installed (npm ci)');
  }
}

export async function runContinue(run: ContinueRun): Promise<ContinueResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-cn-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-cn-cwd-')));
  try {
    const globalDir = join(home, '.continue');
    await mkdir(join(globalDir, 'index'), { recursive: true });
    await writeFile(join(globalDir, 'index', 'globalContext.json'), JSON.stringify(GLOBAL_CONTEXT));
    const config = join(home, 'switchyard-config.yaml');
    await writeFile(config, continueConfig(run));
    const preload = join(home, 'proxy-fetch.mjs');
    await writeFile(preload, proxyFetchModule());
    const args = [
      '--import',
      pathToFileURL(preload).href,
      continueCli(),
      '--config',
      config,
      '--print',
      '--auto',
      ...(run.args ?? []),
      run.prompt,
    ];
    const env = { ...baseEnv(home), CONTINUE_GLOBAL_DIR: globalDir, ...CONTINUE_OFFLINE_ENV, ...run.extraEnv };
    const out = await runProcess(process.execPath, args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    return { ...out, error: errorLine(out.stderr) };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

/** The last stderr line that is cn's JSON error report, if any. */
function errorLine(stderr: string): ContinueResult['error'] {
  for (const line of stderr.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as { status?: unknown; message?: unknown };
      if (parsed.status === 'error' && typeof parsed.message === 'string')
        return { status: parsed.status, message: parsed.message };
    } catch {
      // not JSON: cn's other stderr output
    }
  }
  return undefined;
}
