/** Runs a client program to completion with a clean environment and a "hung" limit. */
import { spawn } from 'node:child_process';

/** How long a client program may run before it is taken for hung: a loaded 2-core machine may be slow to start one, never this slow. */
export const CLIENT_HUNG_MS = 180_000;

export interface ProcessResult {
  /** Exit code, or null when a signal ended the process (see `timedOut`). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the program outlived `timeoutMs` and was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  /** The whole environment of the program: nothing is inherited, so no real key or proxy setting leaks in. */
  env: Record<string, string>;
  /** Only to mean "hung": the program is killed after it. */
  timeoutMs: number;
  stdin?: string;
}

export function runProcess(command: string, args: string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout, stderr, timedOut });
    });
  });
}

/** PATH and locale only: what a program needs to start, and no secrets. */
export function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TERM: 'dumb', NO_COLOR: '1' };
}
