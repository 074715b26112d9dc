import { describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../support/cli.js';
import { until } from '../support/wait.js';

const ADMIN_KEY = 'gw-test-admin-key-stats';
const APP_KEY = 'gw-test-app-key-stats';

describe('switchyard stats', () => {
  it('--once prints per instance its circuit, attempts, errors and latency from /metrics and /admin/circuits', async () => {
    const good = await startMockOpenAI({ name: 'good' });
    const bad = await startMockOpenAI({ name: 'bad' });
    bad.setFault({ kind: 'status', status: 500 });
    const gw = await startGateway({
      providers: [
        mockProvider('bad', bad.baseUrl, { models: ['m'] }),
        mockProvider('good', good.baseUrl, { models: ['m'], priority: 2 }),
      ],
      plugins: {
        'circuit-breaker': { failureThreshold: 2 },
        metrics: { requireAdminKey: true },
        auth: {
          keys: [
            { name: 'ops', key: ADMIN_KEY, admin: true },
            { name: 'app', key: APP_KEY },
          ],
        },
      },
    });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}` },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
      }
      const run = await runCli(['stats', '--once', '--url', gw.url, '--interval', '0.2'], {
        SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(
        /^Switchyard 0\.1\.0 at http:\/\/127\.0\.0\.1:\d+ — 0\.0 req\/s, 4 requests, errors: caller 0, policy 0, upstream 0, gateway 0$/,
      );
      const header = lines.find((l) => l.startsWith('INSTANCE'))!;
      expect(header.split(/\s{2,}/)).toEqual([
        'INSTANCE',
        'TYPE',
        'CIRCUIT',
        'ATTEMPTS/S',
        'ATTEMPTS',
        'FAILED',
        '429',
        'ERR%',
        'P50',
        'P95',
        'TTFT P50',
      ]);
      const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/\s+/);
      // Two failures open bad's circuit; the other requests go straight to good.
      expect(row('bad').slice(0, 8)).toEqual(['bad', 'openai', 'open', '0.0', '2', '2', '0', '100.0%']);
      expect(row('good').slice(0, 8)).toEqual(['good', 'openai', 'closed', '0.0', '4', '0', '0', '0.0%']);
      expect(row('good')[8]).toMatch(/ms$/);

      const refused = await runCli(['stats', '--once', '--url', gw.url, '--interval', '0.1']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('/metrics answered 401 (pass the admin key with --key or SWITCHYARD_ADMIN_KEY)');
    } finally {
      await gw.close();
      await good.close();
      await bad.close();
    }
  });

  it('shows an instance parked by an upstream 429 (breaker details from /admin/circuits)', async () => {
    const busy = await startMockOpenAI({ name: 'busy' });
    const spare = await startMockOpenAI({ name: 'spare' });
    busy.setFault({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const gw = await startGateway({
      providers: [
        mockProvider('busy', busy.baseUrl, { models: ['m'] }),
        mockProvider('spare', spare.baseUrl, { models: ['m'], priority: 2 }),
      ],
    });
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.headers.get('x-switchyard-target')).toBe('spare/m');
      await res.text();
      const run = await runCli(['stats', '--once', '--url', gw.url, '--interval', '0.1']);
      expect(run.code).toBe(0);
      const row = run.stdout.split('\n').find((l) => l.startsWith('busy '))!;
      expect(row).toMatch(/^busy\s+openai\s+closed \(parked\)\s/);
    } finally {
      await gw.close();
      await busy.close();
      await spare.close();
    }
  });

  it('refreshes the table every interval until interrupted, with the rate over the interval', async () => {
    const upstream = await startMockOpenAI();
    const gw = await startGateway({ providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })] });
    const child = spawn(process.execPath, [CLI, 'stats', '--url', gw.url, '--interval', '0.3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      const tables = async (n: number) => {
        await until(() => out.split('INSTANCE').length - 1 >= n, { what: `${n} table(s)` });
        return out.split('INSTANCE').length - 1;
      };
      expect(await tables(1)).toBeGreaterThanOrEqual(1);
      out = '';
      // Traffic while the next interval runs: its table shows a non-zero rate for u.
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.text();
      }
      const rows = () =>
        [...out.matchAll(/^u\s+openai\s+closed\s+(\S+)\s+(\d+)/gm)].map((m) => ({
          rate: Number(m[1]),
          attempts: Number(m[2]),
        }));
      const before = rows().length;
      await until(() => rows().length >= before + 2, { what: 'two more tables' });
      const seen = rows();
      expect(seen.length).toBeGreaterThanOrEqual(before + 2); // two more tables since the last request
      expect(seen.at(-1)!.attempts).toBe(5);
      expect(seen.some((r) => r.rate > 0)).toBe(true); // some interval held the requests
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await gw.close();
      await upstream.close();
    }
  });
});
