/**
 * The request log is written asynchronously; shutdown waits for it. A gateway process with N
 * requests in flight gets SIGTERM, finishes them, and exits with every request line (and its
 * last line, "stopped") written.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, startProcess } from '../support/cli.js';
import { until } from '../support/wait.js';

const N = 40;

const completion = JSON.stringify({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
});

describe('the request log on SIGTERM', () => {
  it('has one line for each of N requests in flight when the signal came, and the "stopped" line', async () => {
    const held: ServerResponse[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => held.push(res));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const file = join(await mkdtemp(join(tmpdir(), 'switchyard-log-sigterm-')), 'switchyard.config.json');
    await writeFile(
      file,
      JSON.stringify({
        server: { port: 0, drainDelayMs: 0 },
        providers: [{ name: 'u', type: 'openai', baseUrl, models: ['m'] }],
      }),
    );
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file]);
    try {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const answers = Array.from({ length: N }, (_, i) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `sigterm-${i}` },
          body,
        }).then((r) => r.status),
      );
      await until(() => held.length === N, { what: `the upstream to hold ${N} requests` });
      const exited = gw.stop('SIGTERM');
      await until(() => gw.lines.some((l) => String(l.msg).startsWith('SIGTERM: draining')), {
        what: 'the drain to start',
      });
      for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
      expect(await Promise.all(answers)).toEqual(Array.from({ length: N }, () => 200));
      expect(await exited).toBe(0);
      const ids = gw.lines.filter((l) => l.msg === 'request').map((l) => l.requestId);
      expect(new Set(ids)).toEqual(new Set(Array.from({ length: N }, (_, i) => `sigterm-${i}`)));
      expect(ids).toHaveLength(N);
      expect(gw.lines.at(-1)).toMatchObject({ msg: 'stopped' });
    } finally {
      gw.child.kill('SIGKILL');
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  }, 30_000);
});
