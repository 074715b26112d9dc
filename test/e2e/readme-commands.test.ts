/**
 * The README's CLI commands, run as the README writes them, in the installed tree (the one
 * `npm ci` made: `.ci/run` runs this suite right after a clean install, so in CI this is a fresh
 * clone). Only the port of `start` lines is changed (to 0), as the machine's ports are not ours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { ROOT, runCommand, startProcess } from '../support/cli.js';

/** Every line of the README's `sh` blocks that runs the CLI or npm start, without its trailing comment. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const commands: string[] = [];
  for (const block of readme.matchAll(/^```sh\n([^]*?)^```$/gm)) {
    for (const line of block[1]!.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (/^(npx switchyard|npm start) /.test(command)) commands.push(command);
    }
  }
  return commands;
}

const SECRET = 'sk-readme-0123456789abcdefWXYZ';
const commands = readmeCommands();
const argv = (command: string): string[] => {
  expect(command, 'README commands are run without a shell: no quotes or variables').not.toMatch(/["'$`\\]/);
  return command.split(/\s+/);
};
let upstream: MockOpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'upstream' });
});

afterAll(async () => {
  await upstream.close();
});

describe("the README's commands, as written", () => {
  it('include --help, config validate, config show, start and npm start -- --config', () => {
    expect(commands).toEqual(
      expect.arrayContaining([
        'npx switchyard --help',
        expect.stringMatching(/^npx switchyard config validate \S+$/),
        expect.stringMatching(/^npx switchyard config show \S+$/),
        expect.stringMatching(/^npx switchyard start --config \S+/),
        expect.stringMatching(/^npm start -- --config \S+$/),
      ]),
    );
  });

  it('npx switchyard --help prints the usage, exit 0', async () => {
    const [command, ...args] = argv('npx switchyard --help');
    const run = await runCommand(command!, args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:\n\s+switchyard start /);
    expect(run.stdout).toContain('switchyard config validate FILE');
  });

  it('npx switchyard config validate FILE accepts the file it names, exit 0', async () => {
    const line = commands.find((c) => c.startsWith('npx switchyard config validate '))!;
    const [command, ...args] = argv(line);
    const run = await runCommand(command!, args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: valid \(2 providers, 1 aliases, preset standard\)\n$/);
  });

  it('npx switchyard config show FILE prints the resolved config with secrets masked, exit 0', async () => {
    const line = commands.find((c) => c.startsWith('npx switchyard config show '))!;
    const [command, ...args] = argv(line);
    const run = await runCommand(command!, args, { UPSTREAM_API_KEY: SECRET });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('apiKey: "****WXYZ"');
    expect(run.stdout).not.toContain(SECRET.slice(0, 12));
    expect(run.stdout).toMatch(/^server:\n\s+host: 127\.0\.0\.1\n/);
  });

  it('the start commands serve the file they name, and stop cleanly on Ctrl-C', async () => {
    const starts = commands.filter((c) => c.startsWith('npx switchyard start ') || c.startsWith('npm start '));
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (const line of starts) {
      const [command, ...args] = argv(line.replace(/--port \d+/, '--port 0'));
      // The example config reads its port from PORT (default 8080).
      // Ctrl-C signals the whole process group. npx does not pass signals on to the command it runs;
      // npm start does, so the gateway may get the SIGINT twice, and takes the second as npm's copy.
      const gw = await startProcess(
        command!,
        args,
        { PORT: '0', UPSTREAM_BASE_URL: upstream.baseUrl, SECONDARY_BASE_URL: upstream.baseUrl },
        undefined,
        { group: true },
      );
      try {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: line }] }),
        });
        expect(res.status, line).toBe(200);
        expect(res.headers.get('x-switchyard-target'), line).toBe('primary/gpt-4o-mini');
      } finally {
        // The gateway drains and says so (npx itself may end by the signal).
        await gw.stop();
        expect(
          gw.lines.map((l) => l.msg),
          line,
        ).toContain('stopped');
      }
    }
  });
});
