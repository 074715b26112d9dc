import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { composeGateway } from '@switchyard/example-compose-in-code';
import { startMockOpenAI } from '../support/mock-openai.js';
import { mockProvider, startGateway } from '../support/gateway.js';
import { until } from '../support/wait.js';
import { ROOT } from '../support/cli.js';

const chat = (model: string, stream = false) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

describe('examples/compose-in-code', () => {
  it('routes by model prefix and applies its custom beforeRoute policy', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gateway = await composeGateway(up.baseUrl, 'sk-compose-0123456789');
    const { url } = await gateway.listen({ port: 0 });
    try {
      const refused = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: chat('gpt-4o-mini'),
      });
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.message).toBe('send an x-team header');
      const served = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: chat('gpt-4o-mini'),
        headers: { 'content-type': 'application/json', 'x-team': 'search' },
      });
      expect((await served.json()).choices[0].message.content).toBe('up: hi');
      expect(up.requests).toHaveLength(1);
    } finally {
      await gateway.close({ drainDelayMs: 0 });
      await up.close();
    }
  });
});

/** A start through npm still silent after this is hung, not slow (a loaded machine took over 15 s). */
const START_HUNG_MS = 90_000;

/** `npm start -w examples/compose-in-code` as its README runs it; resolves with the URL it prints and a stop(). */
function startComposeExample(env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<number | null> }> {
  const child = spawn('npm', ['start', '--silent', '-w', 'examples/compose-in-code'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  let out = '';
  return new Promise((resolve, reject) => {
    const hung = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), START_HUNG_MS);
    child.stdout.on('data', (c: Buffer) => {
      out += c;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(hung);
      resolve({ url: match[1]!, stop: () => (process.kill(-child.pid!, 'SIGINT'), exited) });
    });
    void exited.then((code) => {
      clearTimeout(hung);
      reject(new Error(`exited with ${code} before listening: ${out}`));
    });
  });
}

describe('examples/compose-in-code started as its README says', () => {
  it('npm start -w examples/compose-in-code serves on PORT against UPSTREAM_BASE_URL with OPENAI_API_KEY, and refuses a request without x-team', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gw = await startComposeExample({ UPSTREAM_BASE_URL: up.baseUrl, PORT: '0', OPENAI_API_KEY: 'test-key' });
    try {
      const served = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: chat('gpt-4o-mini'),
        headers: { 'content-type': 'application/json', 'x-team': 'search' },
      });
      expect((await served.json()).choices[0].message.content).toBe('up: hi');
      expect(up.requests[0]!.headers.authorization).toBe('Bearer test-key');
      const refused = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        body: chat('gpt-4o-mini'),
        headers: { 'content-type': 'application/json' },
      });
      expect(refused.status).toBe(403);
    } finally {
      await gw.stop();
      await up.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, refuses new connections and reports draining', async () => {
    const up = await startMockOpenAI({ name: 'up' });
    const gw = await startGateway({ providers: [mockProvider('a', up.baseUrl, { models: ['m'] })] });
    up.queueFault({ kind: 'streamDelay', firstChunkMs: 300 });
    const inFlight = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chat('m', true),
    }).then((r) => r.text());
    await until(() => up.requests.length === 1, { what: 'the stream at the upstream' });
    const closing = gw.close();
    expect(gw.gateway.draining).toBe(true);
    const text = await inFlight;
    expect(text).toContain('data: [DONE]');
    await closing;
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
    await up.close();
  });
});

describe('shutdown past its grace period', () => {
  it('ends every open stream with an error event in its caller protocol before cutting the connection', async () => {
    // An upstream that sends one event of a stream, then nothing more.
    const held = new Set<ServerResponse>();
    const stalled = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'hel' }, finish_reason: null }] })}\n\n`,
      );
      held.add(res);
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/v1`;
    const gw = await startGateway({
      server: { shutdownGraceMs: 100 },
      providers: [mockProvider('a', base, { models: ['m'] })],
    });
    try {
      const open = async (path: string, body: unknown): Promise<{ first: string; rest: Promise<string> }> => {
        const res = await fetch(`${gw.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        const first = decoder.decode((await reader.read()).value);
        const rest = (async () => {
          let text = '';
          for (let next = await reader.read(); !next.done; next = await reader.read())
            text += decoder.decode(next.value, { stream: true });
          return text;
        })();
        return { first, rest };
      };
      const openai = await open('/v1/chat/completions', {
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const anthropic = await open('/v1/messages', {
        model: 'm',
        stream: true,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(openai.first).toContain('"content":"hel"');
      expect(anthropic.first).toContain('event: message_start');
      await gw.close();
      const openaiRest = await openai.rest;
      expect(openaiRest).toMatch(
        /data: \{"error":\{"message":"the gateway is shutting down[^"]*","type":"service_unavailable"[^\n]*\n\n$/,
      );
      expect(openaiRest).not.toContain('[DONE]');
      const anthropicRest = await anthropic.rest;
      expect(anthropicRest).toMatch(
        /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"the gateway is shutting down[^\n]*\n\n$/,
      );
      expect(anthropicRest).not.toContain('message_stop');
    } finally {
      for (const res of held) res.destroy();
      await new Promise((resolve) => stalled.close(resolve));
    }
  });
});
