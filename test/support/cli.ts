import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../cli/bin/switchyard.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the switchyard CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCommand(process.execPath, [CLI, ...args], env);
}

/** Writes `text` as `name` in a fresh temporary directory; resolves with its path. */
export async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'switchyard-cli-')), name);
  await writeFile(path, text);
  return path;
}

/** Runs `switchyard config validate` or `show` on a config file `name` holding `yaml`. */
export async function runConfig(command: 'validate' | 'show', name: string, yaml: string): Promise<CliRun> {
  return runCli(['config', command, await writeTemp(name, yaml)]);
}

/**
 * Runs a command (through no shell) in the repository root to completion. A command still
 * running after `hungMs` is killed: its code is then null.
 */
export function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  hungMs = 120_000,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    const hung = setTimeout(() => child.kill('SIGKILL'), hungMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(hung);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  url: string;
  /** Every log line so far, parsed. */
  lines: Array<Record<string, unknown>>;
  /** Signals the process and resolves with its exit code. SIGINT by default: it stops without the drain delay SIGTERM waits. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited (after a signal sent another way). */
  exited: Promise<number | null>;
}

/**
 * Starts a long-running gateway command and resolves once it logs where it listens. The command
 * runs in a process group of its own, so a start that hangs is killed whole (npm start's node
 * child included). With `group`, stop() signals the whole group, as a terminal's Ctrl-C does
 * (`npx` does not pass signals on to the command it runs); otherwise only the command itself.
 */
export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
  { group = false } = {},
): Promise<StartedProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...cleanEnv(), LOG_LEVEL: 'info', ...env }, detached: true });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no "listening" line within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        const match = /listening on (http:\/\/\S+)/.exec(String(parsed.msg));
        if (match) {
          clearTimeout(timer);
          resolve({
            child,
            url: match[1]!,
            lines,
            exited,
            stop: (signal = 'SIGINT') => {
              if (group) process.kill(-child.pid!, signal);
              else child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}

/** The test runner's environment without provider keys, so nothing real is ever configured. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/_API_KEY$|_BASE_URL$|^PORT$/.test(key)) delete env[key];
  return env;
}
