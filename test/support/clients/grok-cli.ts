/**
 * Runs the real Grok CLI (`@vibe-kit/grok-cli`, unmodified: its `grok` bin script on this Node)
 * headless on one prompt: `grok -p <prompt>` (tools auto-approved; the run's messages printed at
 * the end, one OpenAI-style JSON message a line). It speaks Chat Completions through the `openai`
 * SDK (not streaming in headless mode) to GROK_BASE_URL with GROK_API_KEY and GROK_MODEL, its
 * documented environment. A throw-away HOME holds the `~/.grok` settings it writes; the
 * environment is built from nothing (no real keys, no MORPH_API_KEY: its Morph fast-apply tool,
 * which calls Morph's API, stays off).
 *
 * Offline: Grok CLI has no telemetry or update check; it loads a `.env` from the cwd (a fresh temp
 * dir here). Its model calls go through Node's global fetch, which on Node 20 ignores
 * HTTP(S)_PROXY, so `node --import` loads the module that makes every fetch honour them: whatever
 * it reaches for beyond the loopback reaches the deny proxy.
 */
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

export async function runGrok(run: GrokRun): Promise<GrokResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-grok-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-grok-cwd-')));
  try {
    const preload = join(home, 'proxy-fetch.mjs');
    await writeFile(preload, proxyFetchModule());
    const args = ['--import', pathToFileURL(preload).href, grokCli(), '-p', run.prompt];
    const env = {
      ...baseEnv(home),
      GROK_BASE_URL: run.baseUrl,
      GROK_API_KEY: run.apiKey,
      GROK_MODEL: run.model,
      ...run.extraEnv,
    };
    const out = await runProcess(process.execPath, args, { cwd, env, timeoutMs: run.timeoutMs ?? 120_000 });
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
