/**
 * Runs the real opencode CLI (`opencode-ai`, unmodified: its native binary from the platform
 * package) as `opencode run --format json` against a given base URL, through one of its bundled AI
 * SDK provider packages: `@ai-sdk/openai-compatible` (Chat Completions), `@ai-sdk/openai`
 * (Responses) or `@ai-sdk/anthropic` (Messages). Fully offline: a throw-away HOME with every XDG
 * directory in it; a config (OPENCODE_CONFIG_CONTENT) with one custom provider and its one model,
 * autoupdate and sharing off; no models.dev catalog fetch, no LSP downloads, no Claude Code or
 * external skills; a clean environment (no real keys).
 *
 * opencode installs `@opencode-ai/plugin` into each config directory it reads (for the user's own
 * plugins and tools) unless that directory already lists it in package.json and package-lock.json
 * with a node_modules beside them: the throw-away config directory is laid out that way, so no
 * registry is asked (the package is not used: no plugin is configured).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseJsonLines } from './claude-code.js';
import { baseEnv, runProcess } from './run-process.js';

/** The wire protocol opencode speaks, by the provider package it loads. */
export type OpencodeProtocol = 'chat' | 'responses' | 'anthropic';
export const OPENCODE_PROTOCOLS: readonly OpencodeProtocol[] = ['chat', 'responses', 'anthropic'];

/** The AI SDK provider package (bundled in opencode's binary) for each protocol. */
export const OPENCODE_PACKAGES: Readonly<Record<OpencodeProtocol, string>> = {
  chat: '@ai-sdk/openai-compatible',
  responses: '@ai-sdk/openai',
  anthropic: '@ai-sdk/anthropic',
};

export interface OpencodeRun {
  /** Base URL including /v1: the packages add /chat/completions, /responses or /messages. */
  baseUrl: string;
  /** The provider's apiKey: sent as Authorization: Bearer (chat, responses) or x-api-key (anthropic). */
  apiKey: string;
  /** The model name sent upstream (the provider's one model). */
  model: string;
  protocol: OpencodeProtocol;
  prompt: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /**
   * --title: the session's title, so opencode asks the model for no title (a request of its own
   * beside the agent's). `false` leaves it to generate one. @default 'switchyard test'
   */
  title?: string | false;
  /** Config keys merged over the top level of the generated config (e.g. `permission`). */
  extraConfig?: Record<string, unknown>;
  /** Environment over the offline switches (a switch set to '0' is off). */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** A tool call opencode made and what its tool returned. */
export interface OpencodeToolCall {
  tool: string;
  input: Record<string, unknown>;
  /** `completed` or `error`. */
  status: string;
  output?: string;
  error?: string;
}

/** Token counts opencode reported, summed over its steps (one step per model call). */
export interface OpencodeUsage {
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface OpencodeResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The last text part of the answer. */
  text?: string;
  toolCalls: OpencodeToolCall[];
  /** Summed over the step_finish events; undefined when there was none. */
  usage?: OpencodeUsage;
  /** The `reason` of each step_finish, in order (e.g. ['tool-calls', 'stop']). */
  finishReasons: string[];
  /** The `error` events' errors (opencode prints them on stdout under --format json). */
  errors: Array<Record<string, any>>;
  /** Every --format json event, in order. */
  events: Array<Record<string, any>>;
}

const PROVIDER = 'switchyard';
const KEY_VARIABLE = 'SWITCHYARD_TEST_API_KEY';
/** The version of opencode-ai pinned in the root package.json (the plugin SDK opencode would install matches it). */
const VERSION: string = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('opencode-ai/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** The switches that keep opencode off the network but for the model calls; exported so tests can show what is set. */
export const OPENCODE_OFFLINE_ENV: Readonly<Record<string, string>> = {
  OPENCODE_DISABLE_MODELS_FETCH: '1',
  OPENCODE_DISABLE_AUTOUPDATE: '1',
  OPENCODE_DISABLE_SHARE: '1',
  OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  OPENCODE_DISABLE_CLAUDE_CODE: '1',
  OPENCODE_DISABLE_EXTERNAL_SKILLS: '1',
  OPENCODE_DISABLE_PROJECT_CONFIG: '1',
  OPENCODE_DISABLE_TERMINAL_TITLE: '1',
};

/** The config: one provider with one model, through the protocol's package; the key read from the environment. */
export function opencodeConfig(run: Pick<OpencodeRun, 'baseUrl' | 'model' | 'protocol' | 'extraConfig'>): string {
  return JSON.stringify({
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    snapshot: false,
    model: `${PROVIDER}/${run.model}`,
    provider: {
      [PROVIDER]: {
        npm: OPENCODE_PACKAGES[run.protocol],
        name: 'Switchyard',
        options: { baseURL: run.baseUrl, apiKey: `{env:${KEY_VARIABLE}}` },
        models: { [run.model]: { name: run.model } },
      },
    },
    ...run.extraConfig,
  });
}

export async function runOpencode(run: OpencodeRun): Promise<OpencodeResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-opencode-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-opencode-cwd-')));
  try {
    const xdg = {
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
    };
    await layOutConfigDir(join(xdg.XDG_CONFIG_HOME, 'opencode'));
    const title = run.title ?? 'switchyard test';
    const args = [
      'run',
      '--format',
      'json',
      '--model',
      `${PROVIDER}/${run.model}`,
      ...(title === false ? [] : ['--title', title]),
      run.prompt,
    ];
    const env = {
      ...baseEnv(home),
      ...xdg,
      ...OPENCODE_OFFLINE_ENV,
      OPENCODE_CONFIG_CONTENT: opencodeConfig(run),
      [KEY_VARIABLE]: run.apiKey,
      ...run.extraEnv,
    };
    const out = await runProcess(opencodeBinary(), args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    const events = parseJsonLines(out.stdout);
    const finishes = events.filter((e) => e.type === 'step_finish').map((e) => e.part ?? {});
    return {
      exitCode: out.exitCode,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      text: events.findLast((e) => e.type === 'text' && typeof e.part?.text === 'string')?.part.text,
      toolCalls: events
        .filter((e) => e.type === 'tool_use')
        .map((e) => {
          const state = e.part?.state ?? {};
          return {
            tool: String(e.part?.tool),
            input: state.input ?? {},
            status: String(state.status),
            ...(typeof state.output === 'string' ? { output: state.output } : {}),
            ...(state.error !== undefined ? { error: String(state.error) } : {}),
          };
        }),
      usage: finishes.length ? sumTokens(finishes.map((f) => f.tokens ?? {})) : undefined,
      finishReasons: finishes.map((f) => String(f.reason)),
      errors: events.filter((e) => e.type === 'error').map((e) => e.error ?? {}),
      events,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

/** The global config directory as opencode leaves it once `@opencode-ai/plugin` is installed there (see the module doc). */
async function layOutConfigDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  const dependencies = { '@opencode-ai/plugin': VERSION };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ dependencies }));
  await writeFile(
    join(dir, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies } } }),
  );
}

function sumTokens(steps: Array<Record<string, any>>): OpencodeUsage {
  const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return steps.reduce<OpencodeUsage>(
    (sum, t) => ({
      input: sum.input + n(t.input),
      output: sum.output + n(t.output),
      reasoning: sum.reasoning + n(t.reasoning),
      cacheRead: sum.cacheRead + n(t.cache?.read),
      cacheWrite: sum.cacheWrite + n(t.cache?.write),
    }),
    { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 },
  );
}

/**
 * The native binary from opencode's platform package, chosen as its postinstall chooses (which
 * need not have run: `bin/opencode.exe` is only put in place by it): the baseline build on an x64
 * CPU without AVX2, the musl build on a musl libc, each falling back to the others installed.
 */
export function opencodeBinary(): string {
  const require = createRequire(import.meta.url);
  const os =
    ({ darwin: 'darwin', linux: 'linux', win32: 'windows' } as Record<string, string>)[platform()] ?? platform();
  const base = `opencode-${os}-${arch()}`;
  const file = os === 'windows' ? 'opencode.exe' : 'opencode';
  for (const name of platformPackages(base, os)) {
    let pkg: string;
    try {
      pkg = dirname(require.resolve(`${name}/package.json`));
    } catch {
      continue;
    }
    const bin = join(pkg, 'bin', file);
    if (existsSync(bin)) return bin;
  }
  const installed = join(dirname(require.resolve('opencode-ai/package.json')), 'bin', 'opencode.exe');
  if (existsSync(installed) && statSync(installed).size > 1_000_000) return installed;
  throw new Error(`no opencode binary: none of the platform packages for ${base} is installed`);
}

function platformPackages(base: string, os: string): string[] {
  if (arch() !== 'x64') return os === 'linux' ? [base, `${base}-musl`] : [base];
  const avx2 = os !== 'linux' || /(^|\s)avx2(\s|$)/i.test(readFileSync('/proc/cpuinfo', 'utf8'));
  const musl = os === 'linux' && isMusl();
  const glibc = avx2 ? [base, `${base}-baseline`] : [`${base}-baseline`, base];
  if (os !== 'linux') return glibc;
  const muslBuilds = glibc.map((n) => `${n}-musl`);
  return musl ? [...muslBuilds, ...glibc] : [...glibc, ...muslBuilds];
}

function isMusl(): boolean {
  if (existsSync('/etc/alpine-release')) return true;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}
