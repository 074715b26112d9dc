// Child processes: start, wait until healthy, read their CPU and memory from /proc, and always stop them.

import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const STARTUP_TIMEOUT_MS = 30_000; // means "hung": a gateway starts in about 1 s on an idle machine
const EXIT_WITH_PARENT = new URL('./exit-with-parent.mjs', import.meta.url).href;
const CHILD_PROBE = new URL('./child-probe.mjs', import.meta.url).href;
const PROBE_REPLY = '@@bench-probe ';
const PROBE_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_BYTES = 4096;
const children = new Set();

/** A free loopback port (the OS picks one; there is a tiny window for someone else to take it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node args…` and resolves once GET {url}/health answers 200. Rejects with the child's
 * last output if it exits first or is not up within 10 s. The child gets a pipe as stdin and a
 * preload that stops it when that pipe closes, so no child outlives the bench, even a SIGKILLed one,
 * and a preload that answers `probe()` commands (child-probe.mjs) on its stdout.
 */
export async function startChild(name, args, healthUrl) {
  const proc = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, '--import', CHILD_PROBE, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const child = { name, proc, pid: proc.pid, output: '', exited: null, stdoutLine: '', probeWaiters: [] };
  children.add(child);
  const keepTail = (chunk) => {
    child.output = (child.output + chunk).slice(-OUTPUT_TAIL_BYTES);
  };
  proc.stdout.setEncoding('utf8').on('data', (chunk) => keepTail(takeProbeReplies(child, chunk)));
  proc.stderr.setEncoding('utf8').on('data', keepTail);
  proc.stdin.on('error', () => {}); // the child may exit before we close its stdin
  proc.once('exit', (code, signal) => {
    child.exited = { code, signal };
    children.delete(child);
  });
  proc.once('error', (err) => {
    child.exited = { code: null, signal: null, error: err };
  });
  await waitHealthy(child, healthUrl);
  return child;
}

/**
 * Hands `@@bench-probe` replies on the child's stdout to the waiting probe() calls (anywhere in a
 * line, in case the child's own output left one unfinished). Returns the chunk for the output tail.
 */
function takeProbeReplies(child, chunk) {
  const text = child.stdoutLine + chunk;
  const lastNewline = text.lastIndexOf('\n');
  child.stdoutLine = text.slice(lastNewline + 1).slice(-OUTPUT_TAIL_BYTES); // still being written: read with the next chunk
  if (!text.includes(PROBE_REPLY)) return chunk;
  for (const line of text.slice(0, Math.max(lastNewline, 0)).split('\n')) {
    const at = line.indexOf(PROBE_REPLY);
    if (at < 0) continue;
    const message = JSON.parse(line.slice(at + PROBE_REPLY.length));
    const index = child.probeWaiters.findIndex((w) => w.command === message.command);
    if (index >= 0) child.probeWaiters.splice(index, 1)[0].resolve(message);
  }
  return chunk;
}

/** Sends a command (`alloc start`, `profile stop <file>`…) to a child's child-probe.mjs; resolves with its answer. */
export function probe(child, command) {
  return new Promise((resolve, reject) => {
    const waiter = {
      command: command.split(' ').slice(0, 2).join(' '), // what the reply names: `profile stop`, without the file
      resolve: (message) => (
        clearTimeout(timer),
        message.error ? reject(new Error(`${child.name}: ${command}: ${message.error}`)) : resolve(message)
      ),
    };
    const timer = setTimeout(() => {
      child.probeWaiters.splice(child.probeWaiters.indexOf(waiter), 1);
      reject(
        new Error(`${child.name} (pid ${child.pid}) did not answer "${command}" within ${PROBE_TIMEOUT_MS / 1000} s`),
      );
    }, PROBE_TIMEOUT_MS);
    child.probeWaiters.push(waiter);
    child.proc.stdin.write(`${command}\n`);
  });
}

async function waitHealthy(child, healthUrl) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exited) throw startupError(child, `exited (${describeExit(child.exited)}) before answering ${healthUrl}`);
    try {
      const res = await request(healthUrl, { headersTimeout: 1000, bodyTimeout: 1000, reset: true });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  throw startupError(child, `did not answer 200 on ${healthUrl} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

function startupError(child, what) {
  const tail = child.output.trim();
  return new Error(
    `${child.name} (pid ${child.pid}) ${what}${tail ? `\n--- last output of ${child.name} ---\n${tail}` : ''}`,
  );
}

/** Throws, with the child's last output, if it has exited (e.g. crashed under load). */
export function assertRunning(child, during) {
  if (child.exited) throw startupError(child, `exited (${describeExit(child.exited)}) during ${during}`);
}

function describeExit({ code, signal, error }) {
  if (error) return error.message;
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** Asks a child to stop (SIGTERM, stdin closed), then SIGKILLs it after a grace period. */
export async function stopChild(child, graceMs = 2000) {
  if (child.exited) return;
  const exited = new Promise((resolve) => child.proc.once('exit', resolve));
  child.proc.stdin.end();
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAllChildren() {
  await Promise.all([...children].map((child) => stopChild(child)));
}

/** Last resort, synchronous (for process 'exit'): nothing may outlive the bench. */
export function killAllChildrenNow() {
  for (const child of children) child.proc.kill('SIGKILL');
}

export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), in clock ticks: /proc/<pid>/stat fields 14 and 15. */
export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is parenthesized and may contain spaces: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return utime + stime;
}

/** A field of /proc/<pid>/status in kB (VmHWM = peak RSS, VmRSS = current RSS). */
export function statusKb(pid, field) {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]);
}

/**
 * Resets VmHWM to the current RSS (Linux ≥ 4.0, `echo 5 > clear_refs`), so the next read is the
 * peak of one phase rather than since start. Returns false where the kernel refuses.
 */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Restricts every thread of a process to one CPU (util-linux taskset). */
export function pinToCpu(pid, cpu) {
  try {
    execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `BENCH_PIN=1: cannot pin pid ${pid} to CPU ${cpu} (needs taskset and at least 2 CPUs): ${err.stderr?.toString().trim() || err.message}`,
      { cause: err },
    );
  }
}
