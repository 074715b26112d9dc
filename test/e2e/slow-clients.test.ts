import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '@switchyard/core/config';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

/**
 * Slow clients cannot hold a gateway: a head or a body that does not arrive in time ends the
 * connection (408 when an answer can still be written), and a connection cap drops the excess.
 * The assertions wait for the server to act; no duration is asserted. The limits are a second or
 * two so that an ordinary request, sent at once, passes them on a loaded machine too.
 */
let up: MockOpenAI;
beforeAll(async () => {
  up = await startMockOpenAI({ name: 'up' });
});
afterAll(async () => {
  await up.close();
});

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

/** Opens a socket to the gateway; `closed` resolves with whatever the server sent once it closes the connection. */
function open(url: string): { socket: Socket; closed: Promise<string> } {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let received = '';
  socket.on('data', (c) => (received += c));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, closed };
}

/** Writes `text` one byte at a time, a byte every `everyMs`, until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

async function chatOk(gw: RunningGateway): Promise<number> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  await res.text();
  return res.status;
}

describe('slow clients', () => {
  it('closes a connection whose body trickles in past server.requestTimeoutMs (408), and keeps serving', async () => {
    const gw = await startGateway({
      server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    try {
      up.reset();
      const { socket, closed } = open(gw.url);
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`,
      );
      trickle(socket, BODY, 100);
      expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
      expect(up.requests).toHaveLength(0);
      expect(await chatOk(gw)).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('closes a connection whose head trickles in past server.headersTimeoutMs', async () => {
    const gw = await startGateway({
      server: { headersTimeoutMs: 1000, requestTimeoutMs: 10_000 },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    try {
      const { socket, closed } = open(gw.url);
      trickle(
        socket,
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(1000)}\r\n\r\n`,
        20,
      );
      const answer = await closed;
      expect(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer).toBe(true);
      expect(await chatOk(gw)).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('drops connections beyond server.maxConnections while half-sent requests hold the others, then serves again', async () => {
    const gw = await startGateway({
      server: { maxConnections: 3 },
      providers: [mockProvider('up', up.baseUrl, { models: ['gpt-4o-mini'] })],
    });
    const held = [open(gw.url), open(gw.url), open(gw.url)];
    try {
      for (const { socket } of held) {
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":',
        );
      }
      // Accepted in order: the first three fill the cap, so this one is dropped unanswered.
      const extra = open(gw.url);
      extra.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      expect(await extra.closed).toBe('');
      for (const { socket } of held) socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      // The server sees the closes on its own schedule: ask until a connection is let in again.
      let status = 0;
      while (status !== 200) {
        status = await chatOk(gw).catch(() => 0);
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(200);
    } finally {
      for (const { socket } of held) socket.destroy();
      await gw.close();
    }
  });

  it('refuses a head timeout longer than the request timeout', () => {
    expect(() => resolveConfig({ server: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, {})).toThrow(
      /server\.headersTimeoutMs: must not exceed server\.requestTimeoutMs/,
    );
    expect(resolveConfig({}, {}).server).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 10_000,
    });
  });
});
