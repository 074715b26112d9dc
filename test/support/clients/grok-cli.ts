/**
 * Runs the real Grok CLI (`@vibe-kit/grok-cli`, unmodified: its `grok` bin script on this Node)
 * headless on one prompt: `grok -p <prompt>` (tools auto-approved; the run's messages printed at
 * the end, one OpenAI-style JSON message a line), or in its interactive terminal UI on a pseudo
 * terminal (`runGrokInteractive`: the prompt given on the command line, the answer streamed onto the
 * screen). It speaks Chat Completions through the `openai` SDK (streaming only in the interactive
 * UI) to GROK_BASE_URL with GROK_API_KEY and GROK_MODEL, its documented environment. A throw-away HOME holds the `~/.grok` settings it writes; the
 * environment is built from nothing (no real keys, no MORPH_API_KEY: its Morph fast-apply tool,
 * which calls Morph's API, stays off).
 *
 * Offline: Grok CLI has no telemetry or update check; it loads a `.env` from the cwd (a fresh temp
 * dir here). Its model calls go through Node's global fetch, which on Node 20 ignores
 * HTTP(S)_PROXY, so `node --import` loads the module that makes every fetch honour them: whatever
 * it reaches for beyond the loopback reaches the deny proxy.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseJsonLines } from './claude-code.js';
import { baseEnv, proxyFetchModule, runProcess } from './run-process.js';

export interface GrokRun {
  /** GROK_BASE_URL, including /v1 (the SDK adds /chat/completions). */
  baseUrl: string;
  /** GROK_API_KEY: sent as Authorization: Bearer. */
  apiKey: string;
  /** GROK_MODEL: the model id Grok CLI sends. */
  model: string;
  prompt: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /** Environment over everything else (e.g. the deny proxy's variables). */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung". @default 120000 */
  timeoutMs?: number;
}

/** One tool call Grok CLI made, and the result it sent back. */
export interface GrokToolCall {
  name: string;
  args: Record<string, unknown>;
  output?: string;
}

export interface GrokResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The last assistant message's text: the answer, or `Error: …` when the run failed. */
  text?: string;
  toolCalls: GrokToolCall[];
  /** The messages Grok CLI printed, in order (user, assistant, tool). */
  messages: Array<Record<string, any>>;
}

/** The `grok` bin script, looked up in node_modules folders from here upwards. */
export function grokCli(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', '@vibe-kit', 'grok-cli');
    if (existsSync(join(pkg, 'package.json'))) {
      const { bin } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { bin: { grok: string } };
      return join(pkg, bin.grok);
    }
    if (dirname(dir) === dir) throw new Error('@vibe-kit/grok-cli is not installed (npm ci)');
  }
}

/** The environment of a run: Grok CLI's provider variables over a clean base. */
function grokEnv(run: GrokRun, home: string): Record<string, string> {
  return {
    ...baseEnv(home),
    GROK_BASE_URL: run.baseUrl,
    GROK_API_KEY: run.apiKey,
    GROK_MODEL: run.model,
    ...run.extraEnv,
  };
}

/** Node's arguments running the `grok` script, fetch through the proxy variables (the preload written into `home`). */
async function grokArgs(home: string, args: string[]): Promise<string[]> {
  const preload = join(home, 'proxy-fetch.mjs');
  await writeFile(preload, proxyFetchModule());
  return ['--import', pathToFileURL(preload).href, grokCli(), ...args];
}

export async function runGrok(run: GrokRun): Promise<GrokResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-grok-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-grok-cwd-')));
  try {
    const args = await grokArgs(home, ['-p', run.prompt]);
    const out = await runProcess(process.execPath, args, {
      cwd,
      env: grokEnv(run, home),
      timeoutMs: run.timeoutMs ?? 120_000,
    });
    const messages = parseJsonLines(out.stdout);
    const last = messages.findLast((m) => m.role === 'assistant');
    return {
      ...out,
      text: typeof last?.content === 'string' ? last.content : undefined,
      toolCalls: toolCallsOf(messages),
      messages,
    };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

function toolCallsOf(messages: Array<Record<string, any>>): GrokToolCall[] {
  const calls = new Map<string, GrokToolCall>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? [])
      calls.set(call.id, { name: call.function.name, args: JSON.parse(call.function.arguments || '{}') });
    const call = message.role === 'tool' ? calls.get(message.tool_call_id) : undefined;
    if (call) call.output = message.content;
  }
  return [...calls.values()];
}

/** How Grok CLI shows a failed model call, as its answer. */
export const GROK_ERROR = 'Sorry, I encountered an error';

export interface GrokScreen {
  /** True when neither `until` nor Grok CLI's error showed before the "hung" limit. */
  timedOut: boolean;
  /** Everything the UI drew, escape sequences removed. */
  screen: string;
}

/**
 * Runs Grok CLI's interactive UI (`grok <prompt>`: the prompt sent at once, the answer streamed
 * onto the screen) on a pseudo terminal (util-linux `script`), until `until` or Grok CLI's error
 * shows on the screen; then ends it (SIGTERM, as Grok CLI handles it) and returns what it drew.
 */
export async function runGrokInteractive(run: GrokRun & { until: string }): Promise<GrokScreen> {
  const home = await mkdtemp(join(tmpdir(), 'sy-grok-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-grok-cwd-')));
  try {
    const command = [process.execPath, ...(await grokArgs(home, [run.prompt]))].map(shellQuoted).join(' ');
    const env = { ...grokEnv(run, home), TERM: 'xterm-256color' };
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let drawn = '';
    const screen = (): string => withoutEscapes(drawn);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const timedOut = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), run.timeoutMs ?? 120_000);
      const onData = (chunk: Buffer): void => {
        drawn += chunk.toString();
        if (!screen().includes(run.until) && !screen().includes(GROK_ERROR)) return;
        clearTimeout(timer);
        resolve(false);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(!screen().includes(run.until) && !screen().includes(GROK_ERROR));
      });
    });
    child.kill('SIGTERM');
    await closed;
    return { timedOut, screen: screen() };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

const shellQuoted = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Terminal escape sequences (cursor moves, colours) out of the UI's output. */
// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const withoutEscapes = (text: string): string => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g, '');
