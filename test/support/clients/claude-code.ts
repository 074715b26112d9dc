/**
 * Runs the real Claude Code CLI (`@anthropic-ai/claude-code`, unmodified) in print mode against a
 * given Anthropic-compatible base URL, fully offline: a throw-away HOME and CLAUDE_CONFIG_DIR, a
 * clean environment (no real keys), and every switch that stops traffic other than the API calls
 * (auto-update, telemetry, error reporting, feedback surveys, non-essential traffic such as
 * release notes, feature flags, model capability lookups and plugin marketplace installs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { baseEnv, runProcess } from './run-process.js';

export interface ClaudeCodeRun {
  /** Anthropic base URL (the CLI adds /v1/messages). */
  baseUrl: string;
  /** Sent as x-api-key. */
  apiKey: string;
  prompt: string;
  /** --model; the CLI's own default when omitted. */
  model?: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /** --tools: the built-in tools offered to the model (the CLI's default set when omitted). */
  tools?: string[];
  /** --allowedTools: tool permission rules granted without asking, e.g. `Bash(echo:*)`. */
  allowedTools?: string[];
  /** More command-line options, e.g. `['--fallback-model', 'claude-haiku-4-5']`. */
  args?: string[];
  /** Extra environment (e.g. CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS=1, or the deny proxy's variables). */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** One tool call the CLI made, and what its tool returned. */
export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
  result?: string;
  isError?: boolean;
}

export interface ClaudeCodeResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The final `result` event of --output-format stream-json, if the CLI printed one. */
  result?: Record<string, any>;
  /** The final answer text. */
  text?: string;
  toolCalls: ToolCall[];
  /** Every stream-json event, in order. */
  events: Array<Record<string, any>>;
}

/** The switches that keep the CLI offline and quiet; exported so tests can show what is set. */
export const CLAUDE_CODE_OFFLINE_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_UPDATES: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_BUG_COMMAND: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
  CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
  CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL: '1',
  DISABLE_INSTALLATION_CHECKS: '1',
};

export async function runClaudeCode(run: ClaudeCodeRun): Promise<ClaudeCodeResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-claude-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-claude-cwd-')));
  try {
    const args = ['-p', run.prompt, '--output-format', 'stream-json', '--verbose'];
    if (run.model) args.push('--model', run.model);
    if (run.tools) args.push('--tools', run.tools.join(','));
    if (run.allowedTools) args.push('--allowedTools', run.allowedTools.join(','));
    if (run.args) args.push(...run.args);
    const env = {
      ...baseEnv(home),
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      ANTHROPIC_BASE_URL: run.baseUrl,
      ANTHROPIC_API_KEY: run.apiKey,
      ...CLAUDE_CODE_OFFLINE_ENV,
      ...run.extraEnv,
    };
    const [command, prefix] = claudeCommand();
    const out = await runProcess(command, [...prefix, ...args], { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
    const events = parseJsonLines(out.stdout);
    const result = events.findLast((e) => e.type === 'result');
    return {
      exitCode: out.exitCode,
      timedOut: out.timedOut,
      stdout: out.stdout,
      stderr: out.stderr,
      result,
      text: typeof result?.result === 'string' ? result.result : undefined,
      toolCalls: toolCallsOf(events),
      events,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

/**
 * The CLI's native binary: the package's bin/claude.exe once its postinstall has put the
 * platform binary there, else the package's own launcher (cli-wrapper.cjs), which finds it.
 */
function claudeCommand(): [string, string[]] {
  const pkg = dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json'));
  const bin = join(pkg, 'bin', 'claude.exe');
  if (statSync(bin).size > 1_000_000) return [bin, []];
  return [process.execPath, [join(pkg, 'cli-wrapper.cjs')]];
}

function toolCallsOf(events: Array<Record<string, any>>): ToolCall[] {
  const calls = new Map<string, ToolCall>();
  for (const event of events) {
    const blocks: unknown = event.message?.content;
    if (!Array.isArray(blocks)) continue;
    for (const block of blocks) {
      if (event.type === 'assistant' && block?.type === 'tool_use')
        calls.set(block.id, { name: block.name, input: block.input ?? {} });
      if (event.type === 'user' && block?.type === 'tool_result' && calls.has(block.tool_use_id)) {
        const call = calls.get(block.tool_use_id)!;
        call.result = typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
        call.isError = block.is_error === true;
      }
    }
  }
  return [...calls.values()];
}

export function parseJsonLines(text: string): Array<Record<string, any>> {
  const events: Array<Record<string, any>> = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Record<string, any>);
    } catch {
      // not an event line
    }
  }
  return events;
}
