/**
 * Runs the real Codex CLI (`@openai/codex`, unmodified, through its npm launcher) as
 * `codex exec --json` against a given OpenAI Responses base URL, fully offline: a throw-away
 * CODEX_HOME whose config.toml defines one custom model provider (`wire_api = "responses"`) and
 * turns off update checks, analytics, feedback, history, web search and plugin / app / remote
 * model sync; a clean environment (no real keys).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonLines } from './claude-code.js';
import { baseEnv, runProcess } from './run-process.js';

export interface CodexRun {
  /** OpenAI base URL including /v1 (Codex adds /responses). */
  baseUrl: string;
  /** Sent as Authorization: Bearer. */
  apiKey: string;
  prompt: string;
  /** @default 'gpt-5.5' (a model Codex knows, so it uses its own metadata for it) */
  model?: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /** Sandbox for the commands the model runs. @default 'danger-full-access' (containers often lack user namespaces for bubblewrap) */
  sandbox?: 'read-only' | 'workspace-write' | 'danger-full-access';
  /** Lines appended to the top level of config.toml (before any table), e.g. `model_reasoning_summary = "auto"`. */
  extraConfig?: string[];
  /** `-c key=value` overrides on the command line, over config.toml (e.g. `features.plugins=true`). */
  configOverrides?: string[];
  /** More `codex exec` options, before the prompt (e.g. `['--output-schema', file]`). */
  args?: string[];
  /** Provider retries (request_max_retries, stream_max_retries). @default 0: a failure shows at once */
  retries?: number;
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** A command the model ran through Codex's shell tool. */
export interface CodexCommand {
  command: string;
  output: string;
  exitCode: number | null;
  status: string;
}

export interface CodexResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The last agent message. */
  text?: string;
  commands: CodexCommand[];
  /** turn.completed usage, if any. */
  usage?: Record<string, number>;
  /** Every --json event, in order. */
  events: Array<Record<string, any>>;
}

const PROVIDER = 'switchyard-test';
const KEY_VARIABLE = 'SWITCHYARD_TEST_API_KEY';

/** The config.toml that keeps Codex on the given provider and off the network otherwise. */
export function codexConfig(run: Pick<CodexRun, 'baseUrl' | 'model' | 'extraConfig' | 'retries'>): string {
  const retries = run.retries ?? 0;
  return [
    `model = ${JSON.stringify(run.model ?? 'gpt-5.5')}`,
    `model_provider = "${PROVIDER}"`,
    'check_for_update_on_startup = false',
    'web_search = "disabled"',
    ...(run.extraConfig ?? []),
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[history]',
    'persistence = "none"',
    '',
    '[features]',
    'plugins = false',
    'remote_plugin = false',
    'remote_models = false',
    'apps = false',
    '',
    `[model_providers.${PROVIDER}]`,
    'name = "Switchyard test upstream"',
    `base_url = ${JSON.stringify(run.baseUrl)}`,
    `env_key = "${KEY_VARIABLE}"`,
    'wire_api = "responses"',
    `request_max_retries = ${retries}`,
    `stream_max_retries = ${retries}`,
    '',
  ].join('\n');
}

export async function runCodex(run: CodexRun): Promise<CodexResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-codex-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-codex-cwd-')));
  try {
    const codexHome = join(home, '.codex');
    await mkdir(codexHome);
    await writeFile(join(codexHome, 'config.toml'), codexConfig(run));
    const launcher = createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js');
    const overrides = (run.configOverrides ?? []).flatMap((o) => ['-c', o]);
    const args = [
      launcher,
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--sandbox',
      run.sandbox ?? 'danger-full-access',
      ...overrides,
      ...(run.args ?? []),
      run.prompt,
    ];
    const env = { ...baseEnv(home), CODEX_HOME: codexHome, [KEY_VARIABLE]: run.apiKey, ...run.extraEnv };
    const out = await runProcess(process.execPath, args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    const events = parseJsonLines(out.stdout);
    const items = events.filter((e) => e.type === 'item.completed').map((e) => e.item ?? {});
    const messages = items.filter((i) => i.type === 'agent_message');
    return {
      exitCode: out.exitCode,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      text: messages.at(-1)?.text,
      commands: items
        .filter((i) => i.type === 'command_execution')
        .map((i) => ({
          command: String(i.command),
          output: String(i.aggregated_output ?? ''),
          exitCode: i.exit_code ?? null,
          status: String(i.status),
        })),
      usage: events.findLast((e) => e.type === 'turn.completed')?.usage,
      events,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}
