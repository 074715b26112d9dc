/**
 * The gateway's idle upstream connections close before the upstream's do. Many servers close an idle
 * keep-alive connection after 5 s without saying so in a `Keep-Alive` header (Node's http server
 * when the response sets `Connection` itself, uvicorn, Apache). A request written on such a
 * connection just as the server closes it is reset before any byte of answer: a 502 for a
 * single-target model. Closing ours first leaves no connection to race on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamClient } from '../../core/src/upstream/client.js';

/** The idle time after which the test server treats a connection as closed: Node's and uvicorn's default. */
const SERVER_IDLE_MS = 5_000;

/**
 * A server that answers with `Connection: keep-alive` and no hint, and resets a connection whose
 * next request arrives after SERVER_IDLE_MS of silence (the server closing it as the request
 * comes in, made certain rather than left to timing).
 */
function idleClosingServer(): { server: Server; connections: () => number; resets: () => number } {
  const idleSince = new WeakMap<Socket, number>();
  let connections = 0;
  let resets = 0;
  const server = createServer((req, res) => {
    const socket = req.socket;
    const since = idleSince.get(socket);
    if (since !== undefined && Date.now() - since >= SERVER_IDLE_MS) {
      resets++;
      socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
      res.end('{"ok":true}', () => idleSince.set(socket, Date.now()));
    });
  });
  server.keepAliveTimeout = 0; // the handler above decides when a connection is closed
  server.on('connection', () => connections++);
  return { server, connections: () => connections, resets: () => resets };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** The server listening, a client with the gateway's defaults, and the URL to post to. */
async function started(): Promise<{
  upstream: ReturnType<typeof idleClosingServer>;
  client: UpstreamClient;
  url: string;
}> {
  const upstream = idleClosingServer();
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  const client = new UpstreamClient();
  close = async () => {
    await client.close();
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  };
  const url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}/v1/chat/completions`;
  return { upstream, client, url };
}

async function post(client: UpstreamClient, url: string): Promise<string> {
  const res = await client.send(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    { signal: AbortSignal.timeout(60_000), bodyTimeoutMs: 60_000 },
  );
  return (await res.body.bytes()).toString();
}

describe('idle upstream connections', () => {
  it(`are closed by the gateway before an upstream closes them silently after ${SERVER_IDLE_MS / 1000} s`, async () => {
    const { upstream, client, url } = await started();

    expect(await post(client, url)).toBe('{"ok":true}');
    await new Promise((resolve) => setTimeout(resolve, SERVER_IDLE_MS + 200));
    expect(await post(client, url)).toBe('{"ok":true}');
    expect({ connections: upstream.connections(), resets: upstream.resets() }).toEqual({ connections: 2, resets: 0 });
  }, 60_000);

  it('are reused while traffic keeps them busy', async () => {
    const { upstream, client, url } = await started();
    for (let i = 0; i < 5; i++) expect(await post(client, url)).toBe('{"ok":true}');
    expect(upstream.connections()).toBeLessThan(5);
  }, 60_000);
});
