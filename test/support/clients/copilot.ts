/**
 * Runs the real GitHub Copilot CLI (`@github/copilot`, unmodified: the native binary of its
 * platform package, which its npm loader would spawn) headless (`copilot -p`, `-s` for the answer
 * alone) against a given base URL with its bring-your-own-key provider settings:
 * COPILOT_PROVIDER_BASE_URL, COPILOT_PROVIDER_TYPE (`openai` or `anthropic`),
 * COPILOT_PROVIDER_WIRE_API (`completions` or `responses`, for `openai`), COPILOT_PROVIDER_API_KEY
 * and COPILOT_MODEL. With a provider set, Copilot needs no GitHub sign-in.
 *
 * A throw-away HOME holds Copilot's state (COPILOT_HOME: config, sessions, logs) and the XDG
 * directories; the environment is clean (no GitHub token, no real key).
 *
 * The native binary carries Copilot's JavaScript package (about 235 MB unpacked) and, before it
 * starts, extracts it into COPILOT_CACHE_HOME (`pkg/<platform>/<version>`) unless it is already
 * there: several seconds of CPU and disk on every run whose cache is new. The runs of a test file
 * share one cache (useCopilotCache), so the package is extracted once per file. Copilot extracts
 * into a temporary directory and renames it into place, so runs may share it safely.
 *
 * Offline: COPILOT_OFFLINE=true (Copilot's own switch: no GitHub authentication, telemetry, web
 * tools, GitHub MCP server or auto-update), and besides it COPILOT_AUTO_UPDATE=false,
 * `--no-auto-update`, `--disable-client-telemetry`, `--disable-builtin-mcps`. Copilot's HTTP stack
 * honours HTTP(S)_PROXY and NO_PROXY itself, so whatever it reaches for beyond the loopback reaches
 * the deny proxy (without the switches, its update checks to api.github.com do).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { baseEnv, runProcess } from './run-process.js';

/** Copilot's two provider types used here: `openai` (Chat Completions or Responses) and `anthropic` (Messages). */
export type CopilotProvider = 'openai' | 'anthropic';
/** The OpenAI API Copilot's `openai` provider speaks: `completions` (its default) or `responses`. */
export type CopilotWireApi = 'completions' | 'responses';

export interface CopilotRun {
  /**
   * COPILOT_PROVIDER_BASE_URL, as Copilot takes it: for `openai` including /v1 (Copilot adds
   * /chat/completions or /responses), for `anthropic` without it (Copilot adds /v1/messages).
   */
  baseUrl: string;
  /** COPILOT_PROVIDER_API_KEY: Authorization: Bearer (openai) or x-api-key (anthropic). */
  apiKey: string;
  provider: CopilotProvider;
  /** Only for `openai`. @default Copilot's own default (completions) */
  wireApi?: CopilotWireApi;
  /** COPILOT_MODEL: the model id Copilot sends. */
  model: string;
  prompt: string;
  /** Tools run without asking (`--allow-tool=<each>`), e.g. `shell(echo)`. */
  allowTools?: string[];
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /**
   * Set the offline switches (COPILOT_OFFLINE_ENV, COPILOT_OFFLINE_ARGS). Only a test showing that
   * the deny proxy catches Copilot's traffic turns this off. @default true
   */
  offline?: boolean;
  /**
   * COPILOT_CACHE_HOME, where Copilot extracts its package before it starts (see useCopilotCache).
   * @default a directory in the run's throw-away home (the package extracted anew)
   */
  cacheHome?: string;
  /** Extra environment (e.g. the deny proxy's variables), over everything else. */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

export interface CopilotResult {
  exitCode: number | null;
  timedOut: boolean;
  /** With `-s`: the agent's answer, then a blank line. */
  stdout: string;
  /** Copilot's error report, when a run fails. */
  stderr: string;
}

/** The environment that keeps Copilot off the network but for its model calls; exported so tests can show what is set. */
export const COPILOT_OFFLINE_ENV: Readonly<Record<string, string>> = {
  COPILOT_OFFLINE: 'true',
  COPILOT_AUTO_UPDATE: 'false',
};

/** The flags to the same end. */
export const COPILOT_OFFLINE_ARGS: readonly string[] = [
  '--no-auto-update',
  '--disable-client-telemetry',
  '--disable-builtin-mcps',
];

/** The native binary of Copilot's platform package (the package exports nothing but it). */
export function copilotBinary(): string {
  return createRequire(import.meta.url).resolve(`@github/copilot-${process.platform}-${process.arch}`);
}

/**
 * A COPILOT_CACHE_HOME for the runs of one test file: made before its first test, removed after
 * its last. Returns a getter for the directory, to pass as `cacheHome`.
 */
export function useCopilotCache(): () => string {
  let dir: string | undefined;
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'sy-copilot-cache-'))));
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('useCopilotCache(): the cache is made in beforeAll');
    return dir;
  };
}

/** The packages extracted into a cache (`pkg/<platform>/<version>`), by path; none while it is new. */
export async function extractedPackages(cacheHome: string): Promise<string[]> {
  const pkg = join(cacheHome, 'pkg');
  if (!existsSync(pkg)) return [];
  const platforms = await readdir(pkg);
  const versions = await Promise.all(
    platforms.map(async (p) =>
      (await readdir(join(pkg, p))).filter((v) => !v.startsWith('.')).map((v) => join(pkg, p, v)),
    ),
  );
  return versions.flat();
}

/** HOME and the XDG directories, all inside the throw-away home; COPILOT_CACHE_HOME there too unless given. */
async function homeEnv(home: string, cacheHome = join(home, '.cache', 'copilot')): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    COPILOT_HOME: join(home, '.copilot'),
    COPILOT_CACHE_HOME: cacheHome,
  };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  return { ...baseEnv(home), ...dirs };
}

function providerEnv(run: CopilotRun): Record<string, string> {
  return {
    COPILOT_PROVIDER_BASE_URL: run.baseUrl,
    COPILOT_PROVIDER_TYPE: run.provider,
    COPILOT_PROVIDER_API_KEY: run.apiKey,
    COPILOT_MODEL: run.model,
    ...(run.wireApi ? { COPILOT_PROVIDER_WIRE_API: run.wireApi } : {}),
  };
}

export async function runCopilot(run: CopilotRun): Promise<CopilotResult> {
  const offline = run.offline ?? true;
  const home = await mkdtemp(join(tmpdir(), 'sy-copilot-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-copilot-cwd-')));
  try {
    const env = {
      ...(await homeEnv(home, run.cacheHome)),
      ...providerEnv(run),
      ...(offline ? COPILOT_OFFLINE_ENV : {}),
      ...run.extraEnv,
    };
    const args = [
      ...(offline ? COPILOT_OFFLINE_ARGS : []),
      // No AGENTS.md or other instruction files from the working directory's parents; no questions back.
      '--no-custom-instructions',
      '--no-ask-user',
      '-s',
      ...(run.allowTools ?? []).map((tool) => `--allow-tool=${tool}`),
      '-p',
      run.prompt,
    ];
    return await runProcess(copilotBinary(), args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}
