/**
 * An HTTP proxy on 127.0.0.1 that forwards nothing: every request through it (plain HTTP with an
 * absolute URI, or an HTTPS `CONNECT` tunnel) is refused with 403 and recorded. Client programs
 * run with HTTP_PROXY / HTTPS_PROXY / ALL_PROXY pointing here and NO_PROXY=127.0.0.1,localhost, so
 * any attempt to reach a host other than the loopback mocks shows up in `attempts`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ProcessResult } from './run-process.js';

export interface ProxyAttempt {
  /** `connect` for an HTTPS tunnel, `http` for a plain proxied request. */
  kind: 'connect' | 'http';
  /** host:port of a tunnel, or the absolute URL of a plain request. */
  target: string;
}

export interface DenyProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Every refused attempt, in order. */
  readonly attempts: ProxyAttempt[];
  /** The environment that routes a client program's traffic through this proxy, loopback excepted. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** A client program's run ended cleanly: not hung, nothing tried past loopback, exit code 0 (its output shown if not). */
export function expectCleanRun(run: ProcessResult, proxy: DenyProxy): void {
  expect(run.timedOut).toBe(false);
  expect(proxy.attempts).toEqual([]);
  expect(run.exitCode, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
}

export async function startDenyProxy(): Promise<DenyProxy> {
  const attempts: ProxyAttempt[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    attempts.push({ kind: 'http', target: req.url ?? '' });
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('blocked by the test proxy: nothing leaves 127.0.0.1');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, socket: Socket) => {
    attempts.push({ kind: 'connect', target: req.url ?? '' });
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    attempts,
    env: () => ({
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      ALL_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      all_proxy: url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * A mock upstream and a deny proxy for a test file that runs a client program straight against
 * the mock: both started before its tests (then handed to `use`), the mock reset and the proxy's
 * attempts cleared after each test, both closed after the last.
 */
export function useMockAndDenyProxy<M extends { reset(): void; close(): Promise<void> }>(
  start: () => Promise<M>,
  use: (mock: M, proxy: DenyProxy) => void,
): void {
  let mock: M | undefined;
  let proxy: DenyProxy | undefined;
  beforeAll(async () => {
    mock = await start();
    proxy = await startDenyProxy();
    use(mock, proxy);
  });
  afterEach(() => {
    mock?.reset();
    if (proxy) proxy.attempts.length = 0;
  });
  afterAll(async () => {
    await mock?.close();
    await proxy?.close();
  });
}
