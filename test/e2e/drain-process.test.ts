/**
 * The drain a load balancer sees: on SIGTERM a gateway process answers /ready with 503 at once,
 * on open and on new connections, while it still accepts connections and serves requests for
 * server.drainDelayMs; then it closes its listener (new connections are refused), lets what is
 * in flight finish, and exits 0.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startProcess } from '../support/cli.js';
import { until } from '../support/wait.js';

/** Long enough for the checks made during it on a loaded machine; the test asserts it had not ended by then. */
const DRAIN_DELAY_MS = 15_000;

/** An OpenAI-compatible upstream that answers at once, except a request saying "hold", answered when released. */
let upstream: Server;
let baseUrl: string;
let held: { res: ServerResponse; arrived: Promise<void>; arrive: () => void } | undefined;

function completion(text: string): string {
  return JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: `ok: ${text}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  });
}

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(404).end();
      const text = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)!.content;
      if (text === 'hold' && held) {
        held.res = res;
        return held.arrive();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion(text));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

/** One request on a connection of its own (no pooled keep-alive connection): what a readiness probe does. */
function onNewConnection(url: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method: payload ? 'POST' : 'GET',
        agent: false,
        headers: payload ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}

describe('SIGTERM with server.drainDelayMs', () => {
  it('answers /ready 503 on open and new connections while still serving, then refuses connections and drains what is in flight', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'switchyard-drain-')), 'switchyard.config.json');
    await writeFile(
      file,
      JSON.stringify({
        server: { port: 0, drainDelayMs: DRAIN_DELAY_MS },
        providers: [{ name: 'u', type: 'openai', baseUrl, models: ['m'] }],
      }),
    );
    const gw = await startProcess(process.execPath, [CLI, 'start', '--config', file]);
    const chat = (content: string) => ({ model: 'm', messages: [{ role: 'user', content }] });
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    held = { res: undefined as unknown as ServerResponse, arrived, arrive };
    const closedLine = () => gw.lines.some((l) => l.event === 'listener_closed');
    try {
      expect((await onNewConnection(gw.url, '/ready')).status).toBe(200);
      // A request in flight across the whole drain.
      const inFlight = onNewConnection(gw.url, '/v1/chat/completions', chat('hold'));
      await held.arrived;
      // An open keep-alive connection, asked /ready before and after the signal.
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1');
      let raw = '';
      socket.on('data', (c: Buffer) => (raw += c));
      socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await until(() => raw.includes('"status":"ready"'), { what: 'the first /ready answer on the open connection' });

      gw.child.kill('SIGTERM');
      await until(() => gw.lines.some((l) => String(l.msg).startsWith('SIGTERM: draining')), {
        what: 'the drain to start',
      });
      socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const probe = await onNewConnection(gw.url, '/ready');
      expect(probe.status).toBe(503);
      expect(JSON.parse(probe.text)).toEqual({ status: 'draining' });
      const served = await onNewConnection(gw.url, '/v1/chat/completions', chat('during the delay'));
      expect(served.status).toBe(200);
      expect(JSON.parse(served.text).choices[0].message.content).toBe('ok: during the delay');
      await until(() => raw.includes('"status":"draining"'), {
        what: 'the /ready answer on the open connection during the drain',
      });
      expect(raw).toMatch(/HTTP\/1\.1 503[^]*"status":"draining"/);
      // Everything above happened during the delay (if this fails, the machine is too slow for DRAIN_DELAY_MS).
      expect(closedLine()).toBe(false);

      await until(closedLine, { what: 'the listener to close after the delay' });
      await expect(onNewConnection(gw.url, '/ready')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      // What was in flight finishes after the listener closed.
      held.res.writeHead(200, { 'content-type': 'application/json' }).end(completion('hold'));
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).choices[0].message.content).toBe('ok: hold');
      socket.destroy();
      expect(await new Promise((resolve) => gw.child.once('close', resolve))).toBe(0);
    } finally {
      held = undefined;
      gw.child.kill('SIGKILL');
    }
  }, 300_000);
});
