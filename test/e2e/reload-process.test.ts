import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { mockProvider } from '../support/gateway.js';
import { sleep, until } from '../support/wait.js';
import { startGatedUpstream } from '../support/gated-upstream.js';
import { CLI, startProcess } from '../support/cli.js';
import type { StartedProcess } from '../support/cli.js';

let a: MockOpenAI;
let b: MockOpenAI;

beforeAll(async () => {
  a = await startMockOpenAI({ name: 'a' });
  b = await startMockOpenAI({ name: 'b' });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const body = (stream: boolean) =>
  JSON.stringify({ model: 'smart', stream, messages: [{ role: 'user', content: 'hi' }] });

/** A config file whose alias `smart` points at instance `to`. */
function configText(to: 'a' | 'b', server: Record<string, unknown> = {}): string {
  return JSON.stringify({
    server: { port: 0, drainDelayMs: 0, ...server },
    providers: [
      mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] }),
      mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'] }),
    ],
    models: [{ name: 'smart', targets: [`${to}/gpt-4o-mini`] }],
  });
}

async function tempConfig(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'switchyard-reload-')), 'switchyard.config.json');
  await writeFile(file, text);
  return file;
}

const startGatewayProcess = (file: string, extra: string[] = []) =>
  startProcess(process.execPath, [CLI, 'start', '--config', file, ...extra]);

async function targetOf(gw: StartedProcess): Promise<string | null> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    body: body(false),
    headers: { 'content-type': 'application/json' },
  });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return res.headers.get('x-switchyard-target');
}

async function reloads(gw: StartedProcess): Promise<{ generation: number; reloads: { ok: number; failed: number } }> {
  return (await fetch(`${gw.url}/admin/config`)).json();
}

describe('hot reload of a running gateway process', () => {
  it(
    'serves 20 s of load at 32 in flight through 10 reloads (valid and invalid, SIGHUP and POST) without one failed request',
    async () => {
      const file = await tempConfig(configText('a'));
      // Slow upstreams keep 32 requests in flight at a modest rate, leaving CPU to the tests running beside this one.
      a.setFault({ kind: 'streamDelay', firstChunkMs: 400 });
      b.setFault({ kind: 'streamDelay', firstChunkMs: 400 });
      const gw = await startGatewayProcess(file);
      let running = true;
      let served = 0;
      let streams = 0;
      const failures: string[] = [];
      const worker = async (id: number): Promise<void> => {
        for (let n = 0; running; n++) {
          const stream = (id + n) % 2 === 0;
          try {
            const res = await fetch(`${gw.url}/v1/chat/completions`, {
              method: 'POST',
              body: body(stream),
              headers: { 'content-type': 'application/json' },
            });
            const text = await res.text();
            if (res.status !== 200) failures.push(`${res.status}: ${text}`);
            else if (stream && !text.trimEnd().endsWith('data: [DONE]'))
              failures.push(`stream without [DONE]: ${text}`);
            else {
              served++;
              if (stream) streams++;
            }
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      try {
        const startedAt = Date.now();
        const load = Array.from({ length: 32 }, (_, i) => worker(i));
        let expected = 'a/gpt-4o-mini';
        let okCount = 0;
        let failedCount = 0;
        for (let k = 0; k < 10; k++) {
          await sleep(Math.max(0, startedAt + 1000 + k * 1900 - Date.now()));
          const valid = k % 2 === 0;
          const to = (k / 2) % 2 === 0 ? 'b' : 'a';
          // Invalid files alternate between unparsable JSON and an alias naming an unknown instance.
          await writeFile(
            file,
            valid
              ? configText(to)
              : k % 4 === 1
                ? '{ "providers": ['
                : configText(to).replace(`"${to}/gpt-4o-mini"`, '"nowhere/gpt-4o-mini"'),
          );
          if (k % 4 < 2) {
            gw.child.kill('SIGHUP');
            await until(
              async () => {
                const r = (await reloads(gw)).reloads;
                return r.ok + r.failed === k + 1 ? r : undefined;
              },
              { what: `reload ${k + 1}` },
            );
          } else {
            const res = await fetch(`${gw.url}/admin/reload`, { method: 'POST' });
            expect(res.status).toBe(valid ? 200 : 422);
            const result = await res.json();
            expect(result.ok).toBe(valid);
            if (!valid) expect(result.problems.length).toBeGreaterThan(0);
          }
          if (valid) {
            okCount++;
            expected = `${to}/gpt-4o-mini`;
          } else failedCount++;
          expect(await reloads(gw)).toMatchObject({
            generation: okCount + 1,
            reloads: { ok: okCount, failed: failedCount },
          });
          expect(await Promise.all([targetOf(gw), targetOf(gw), targetOf(gw)])).toEqual([expected, expected, expected]);
        }
        await sleep(Math.max(0, startedAt + 20_000 - Date.now()));
        running = false;
        await Promise.all(load);
        console.log(
          'reload run:',
          JSON.stringify({ served, streams, failures: failures.length, seconds: (Date.now() - startedAt) / 1000 }),
        );
        expect(failures).toEqual([]);
        expect(streams).toBeGreaterThan(100);
        expect(served - streams).toBeGreaterThan(100);
        const messages = gw.lines.map((l) => String(l.msg));
        expect(messages.filter((m) => m.startsWith('config reloaded: generation'))).toHaveLength(5);
        expect(messages.filter((m) => m.startsWith('config reload failed'))).toHaveLength(5);
        expect(messages.some((m) => m.startsWith('config reload: models[0].targets[0]') || m.includes('nowhere'))).toBe(
          true,
        );
      } finally {
        running = false;
        a.setFault(null);
        b.setFault(null);
        expect(await gw.stop()).toBe(0);
      }
    },
    // 20 s of load and a reload every 1.9 s; the schedule slips on a loaded machine, this means hung.
    300_000,
  );

  it('reloads when the watched file changes', async () => {
    const file = await tempConfig(configText('a'));
    const gw = await startGatewayProcess(file, ['--watch']);
    try {
      expect(await targetOf(gw)).toBe('a/gpt-4o-mini');
      await writeFile(file, configText('b'));
      await until(async () => ((await reloads(gw)).generation === 2 ? true : undefined), {
        what: 'the watched reload',
      });
      expect(await targetOf(gw)).toBe('b/gpt-4o-mini');
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });
});

describe('graceful shutdown of a gateway process', () => {
  it('SIGTERM during 50 streams: /ready answers 503 on an open connection, new connections are refused, all 50 finish, exit 0', async () => {
    const file = await tempConfig(configText('a'));
    const gw = await startGatewayProcess(file);
    // The streams stay open well past SIGTERM, however slow the machine: their first event waits 5 s.
    a.setFault({ kind: 'streamDelay', firstChunkMs: 5000 });
    try {
      const before = a.requests.length;
      const streams = Array.from({ length: 50 }, () =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          body: body(true),
          headers: { 'content-type': 'application/json' },
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      );
      // One more stream on a raw keep-alive connection, to ask /ready on it during the drain.
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1');
      let raw = '';
      socket.on('data', (chunk: Buffer) => (raw += chunk));
      const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const payload = body(true);
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      );
      await until(async () => (a.requests.length - before >= 51 ? true : undefined), { what: '51 streams upstream' });

      gw.child.kill('SIGTERM');
      await until(
        async () => (gw.lines.some((l) => String(l.msg).startsWith('SIGTERM: draining')) ? true : undefined),
        { what: 'the drain to start' },
      );
      socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await expect(fetch(`${gw.url}/health`)).rejects.toThrow();

      const results = await Promise.all(streams);
      expect(results.filter((r) => r.status === 200 && r.text.trimEnd().endsWith('data: [DONE]'))).toHaveLength(50);
      await socketClosed;
      const responses = raw.split(/(?=HTTP\/1\.1 )/);
      expect(responses).toHaveLength(2);
      expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
      expect(responses[0]).toContain('data: [DONE]');
      expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
      expect(responses[1]).toContain('"status":"draining"');
      // Exits by itself: a second signal now could come while it writes its last lines.
      expect(await gw.exited).toBe(0);
    } finally {
      a.setFault(null);
      gw.child.kill('SIGKILL');
    }
  }, 300_000);

  it("under npm start, Ctrl-C's second SIGINT (npm's copy) is no second Ctrl-C: what is in flight finishes, exit 0", async () => {
    const gated = await startGatedUpstream(() => ({ prompt_tokens: 5, completion_tokens: 5 }));
    const file = await tempConfig(
      JSON.stringify({
        server: { port: 0, drainDelayMs: 0 },
        providers: [mockProvider('g', gated.baseUrl, { models: ['gpt-4o-mini'] })],
      }),
    );
    // What npm start sets for the command it runs. A terminal's Ctrl-C signals its whole foreground
    // group, npm and the gateway, and npm passes its SIGINT on: the gateway gets two. (They are sent
    // here one by one: the kernel may merge two that arrive together, which a test cannot wait for.)
    const npmEnv = { npm_lifecycle_event: 'start', npm_lifecycle_script: 'exec node cli/bin/switchyard.js start' };
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file], npmEnv);
    const logged = (start: string) =>
      until(async () => (gw.lines.some((l) => String(l.msg).startsWith(start)) ? true : undefined), { what: start });
    try {
      const answer = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        headers: { 'content-type': 'application/json' },
      }).then(
        (r) => r.status,
        () => 'cut',
      );
      await gated.waitForReceived(1);
      gw.child.kill('SIGINT');
      await logged('SIGINT: draining');
      gw.child.kill('SIGINT');
      const copy = logged('SIGINT again, as npm passes Ctrl-C on: still draining');
      copy.catch(() => undefined);
      expect(await Promise.race([copy.then(() => 'still draining'), gw.exited.then((code) => `exited ${code}`)])).toBe(
        'still draining',
      );
      gated.open();
      expect(await answer).toBe(200);
      expect(await gw.exited).toBe(0);
      expect(gw.lines.map((l) => l.msg)).toContain('stopped');
    } finally {
      gw.child.kill('SIGKILL');
      await gated.stop();
    }
  });

  it("under npm start, a SIGINT after npm's copy (Ctrl-C pressed again) exits at once with code 130", async () => {
    const file = await tempConfig(configText('a', { shutdownGraceMs: 60_000 }));
    const npmEnv = { npm_lifecycle_event: 'start', npm_lifecycle_script: 'exec node cli/bin/switchyard.js start' };
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file], npmEnv);
    a.setFault({ kind: 'streamDelay', firstChunkMs: 60_000 });
    try {
      const before = a.requests.length;
      const stream = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: body(true),
        headers: { 'content-type': 'application/json' },
      }).then((r) => r.text());
      stream.catch(() => undefined);
      await until(async () => (a.requests.length > before ? true : undefined), { what: 'the stream upstream' });
      const logged = (start: string) =>
        until(async () => (gw.lines.some((l) => String(l.msg).startsWith(start)) ? true : undefined), { what: start });
      gw.child.kill('SIGINT');
      await logged('SIGINT: draining');
      gw.child.kill('SIGINT');
      await logged('SIGINT again, as npm passes Ctrl-C on');
      expect(await gw.stop('SIGINT')).toBe(130);
      expect(gw.lines.some((l) => String(l.msg) === 'SIGINT again: exiting now (code 130)')).toBe(true);
    } finally {
      a.setFault(null);
    }
  });

  it('a second signal exits at once with code 130, cutting what is still in flight', async () => {
    const file = await tempConfig(configText('a', { shutdownGraceMs: 60_000 }));
    const gw = await startGatewayProcess(file);
    a.setFault({ kind: 'streamDelay', firstChunkMs: 60_000 });
    try {
      const before = a.requests.length;
      const stream = fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: body(true),
        headers: { 'content-type': 'application/json' },
      })
        .then((r) => r.text())
        .then(
          () => 'finished',
          () => 'cut',
        );
      await until(async () => (a.requests.length > before ? true : undefined), { what: 'the stream upstream' });
      gw.child.kill('SIGTERM');
      await until(
        async () => (gw.lines.some((l) => String(l.msg).startsWith('SIGTERM: draining')) ? true : undefined),
        { what: 'the drain to start' },
      );
      expect(await gw.stop('SIGTERM')).toBe(130);
      expect(await stream).toBe('cut');
      expect(gw.lines.some((l) => String(l.msg) === 'SIGTERM again: exiting now (code 130)')).toBe(true);
    } finally {
      a.setFault(null);
    }
  });
});
