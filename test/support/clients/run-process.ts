/** Runs a client program to completion with a clean environment and a "hung" limit. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

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

/**
 * A module for `node --import` before a client program starts: Node's global fetch through
 * HTTP(S)_PROXY, loopback excepted by NO_PROXY (undici's EnvHttpProxyAgent as the global
 * dispatcher, as Node 24's NODE_USE_ENV_PROXY would do). On Node 20 fetch ignores those variables:
 * without it a client's stray requests would just fail unseen instead of reaching the deny proxy.
 */
export function proxyFetchModule(): string {
  const undici = pathToFileURL(createRequire(import.meta.url).resolve('undici')).href;
  return [
    `import { EnvHttpProxyAgent, setGlobalDispatcher } from ${JSON.stringify(undici)};`,
    'setGlobalDispatcher(new EnvHttpProxyAgent());',
    '',
  ].join('\n');
}
