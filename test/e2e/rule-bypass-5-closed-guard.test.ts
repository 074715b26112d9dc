/**
 * Ways around a rule the fifth rule-bypass pass found open, closed: an Origin of another port of
 * the gateway's host name, and a code-execution container made for another key.
 */
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { sendHttp } from '../support/raw-http.js';
import {
  anthropicAt,
  chatAnswer,
  k,
  listening,
  messagesAnswer,
  responsesAnswer,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

describe('a page served from another port of this machine', () => {
  // An Origin whose host NAME was a gateway name passed as the gateway's own, whatever its port:
  // a page on `http://localhost:3000` (a dev server, a notebook) made a keyless loopback gateway
  // call upstream and eject instances, sending JSON in a type-less Blob (no preflight).
  it('an Origin of another port is not the gateway: chat and admin POSTs are refused', async () => {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 }),
    );
    const gw = await startGateway({ providers: [mockProvider('u', up.baseUrl, { models: ['m'] })] });
    const port = Number(new URL(gw.url).port);
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const chatFrom = (origin: string) =>
      sendHttp(port, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { host: `localhost:${port}`, origin, 'content-length': String(body.length) },
        body,
      });
    try {
      const statuses: Record<string, number> = {};
      for (const origin of [
        'http://localhost:3000',
        `http://127.0.0.1:${port + 1}`,
        'https://localhost',
        'http://localhost',
        `http://[::1]:${port + 1}`,
      ]) {
        // What fetch(url, { method: 'POST', body: new Blob([json]) }) sends: no Content-Type.
        const eject = await sendHttp(port, {
          method: 'POST',
          path: '/admin/circuits/u/eject',
          headers: { host: `localhost:${port}`, origin, 'content-length': '0' },
        });
        statuses[origin] = (await chatFrom(origin)).status;
        statuses[`${origin} eject`] = eject.status;
      }
      expect(Object.entries(statuses).filter(([, s]) => s !== 403)).toEqual([]);
      expect(up.received).toHaveLength(0);
      // The gateway's own port, under any loopback spelling, is still its own origin.
      for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
        expect((await chatFrom(origin)).status, origin).toBe(200);
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe("another key's code-execution container", () => {
  // A code-execution container keeps the files and outputs of the session that made it, upstream,
  // in the account every gateway key shares; a later request names its id to continue there. The
  // gateway passed any `container` on: bob continued in alice's container and read her files.
  const keys = [
    { name: 'alice', key: k('alice') },
    { name: 'bob', key: k('bob') },
  ];

  it('bob cannot run code in the container made for alice', async () => {
    let made = 0;
    const up = await startScriptedUpstream((body) => ({
      ...(messagesAnswer(body.model, { input_tokens: 10, output_tokens: 10 }) as object),
      container: { id: body.container ?? `container_011Made${++made}`, expires_at: '2099-01-01T00:00:00Z' },
    }));
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false, auth: { keys } },
      providers: [anthropicAt(up.baseUrl)],
    });
    const body = (container?: unknown) => ({
      model: 'm',
      max_tokens: 100,
      tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
      messages: [{ role: 'user', content: 'cat /tmp/outputs/*' }],
      ...(container ? { container } : {}),
    });
    try {
      const alice = await call(`${gw.url}/v1/messages`, k('alice'), body());
      expect(alice.status, alice.text).toBe(200);
      const id = alice.json.container.id as string;
      const sent = up.received.length;
      for (const container of [id, { id, skills: [] }, 'container_011NeverMade']) {
        const bob = await call(`${gw.url}/v1/messages`, k('bob'), body(container));
        expect(bob.status, bob.text).toBe(400);
        expect(bob.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      }
      expect(up.received.length).toBe(sent);
      // Alice continues in her own container; bob in the one made for him.
      expect((await call(`${gw.url}/v1/messages`, k('alice'), body(id))).status).toBe(200);
      const own = await call(`${gw.url}/v1/messages`, k('bob'), body());
      expect((await call(`${gw.url}/v1/messages`, k('bob'), body(own.json.container.id))).status).toBe(200);
      expect(up.received.slice(sent).map((r) => r.body.container)).toEqual([id, undefined, own.json.container.id]);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it("bob cannot run a Responses code_interpreter in alice's container", async () => {
    let made = 0;
    const up = await startScriptedUpstream((body) => {
      const container = body.tools?.[0]?.container;
      const call = {
        type: 'code_interpreter_call',
        id: `ci_${made}`,
        status: 'completed',
        code: 'print(open("/mnt/data/notes.txt").read())',
        outputs: null,
        container_id: typeof container === 'string' ? container : `cntr_made${++made}`,
      };
      return responsesAnswer(body.model, [call], { input_tokens: 10, output_tokens: 10 });
    });
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false, auth: { keys } },
      providers: [mockProvider('o', up.baseUrl, { models: ['m'], responsesApi: true })],
    });
    const body = (container: unknown) => ({
      model: 'm',
      store: false,
      tools: [{ type: 'code_interpreter', container }],
      input: 'read my notes',
    });
    try {
      const alice = await call(`${gw.url}/v1/responses`, k('alice'), body({ type: 'auto' }));
      expect(alice.status, alice.text).toBe(200);
      const id = alice.json.output[0].container_id as string;
      const sent = up.received.length;
      for (const container of [id, 'cntr_neverMade']) {
        const bob = await call(`${gw.url}/v1/responses`, k('bob'), body(container));
        expect(bob.status, bob.text).toBe(400);
        expect(bob.json.error).toMatchObject({ type: 'invalid_request_error', param: 'tools' });
      }
      expect(up.received.length).toBe(sent);
      expect((await call(`${gw.url}/v1/responses`, k('alice'), body(id))).status).toBe(200);
      expect(up.received.slice(sent).map((r) => r.body.tools[0].container)).toEqual([id]);
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('streamed answers name the containers made for a key too (Messages and Responses)', async () => {
    let made = 0;
    const sse = (events: Array<[string, unknown]>): string =>
      events
        .map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...(data as object) })}\n\n`)
        .join('');
    const up = await startSseUpstream((body, path) => {
      if (path.endsWith('/messages')) {
        const container = { id: body.container ?? `container_011Made${++made}`, expires_at: '2099-01-01T00:00:00Z' };
        const message = { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [] };
        return sse([
          ['message_start', { message: { ...message, usage: { input_tokens: 10, output_tokens: 1 } } }],
          ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
          ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'ok' } }],
          ['content_block_stop', { index: 0 }],
          ['message_delta', { delta: { stop_reason: 'end_turn', container }, usage: { output_tokens: 5 } }],
          ['message_stop', {}],
        ]);
      }
      const container = body.tools[0].container;
      const item = {
        type: 'code_interpreter_call',
        id: 'ci_1',
        status: 'completed',
        code: 'print(1)',
        outputs: null,
        container_id: typeof container === 'string' ? container : `cntr_made${++made}`,
      };
      const response = responsesAnswer(body.model, [item], { input_tokens: 10, output_tokens: 10 });
      return sse([
        ['response.created', { response: { ...response, status: 'in_progress', output: [] } }],
        ['response.output_item.done', { output_index: 0, item }],
        ['response.completed', { response }],
      ]);
    });
    const gw = await startGateway({
      plugins: { 'circuit-breaker': false, auth: { keys } },
      providers: [
        { name: 'a', type: 'anthropic', baseUrl: up.origin, apiKey: 'ant-upstream-0123456789', models: ['claude'] },
        mockProvider('o', `${up.origin}/v1`, { models: ['gpt'], responsesApi: true }),
      ],
    });
    const messages = (container?: string) => ({
      model: 'claude',
      max_tokens: 100,
      stream: true,
      tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
      messages: [{ role: 'user', content: 'ls' }],
      ...(container ? { container } : {}),
    });
    const responses = (container: unknown) => ({
      model: 'gpt',
      stream: true,
      tools: [{ type: 'code_interpreter', container }],
      input: 'ls',
    });
    try {
      const alice = await call(`${gw.url}/v1/messages`, k('alice'), messages());
      expect(alice.status, alice.text).toBe(200);
      const claudeId = /"container":\{"id":"([^"]+)"/.exec(alice.text)![1]!;
      const aliceGpt = await call(`${gw.url}/v1/responses`, k('alice'), responses({ type: 'auto' }));
      expect(aliceGpt.status, aliceGpt.text).toBe(200);
      const gptId = /"container_id":"([^"]+)"/.exec(aliceGpt.text)![1]!;
      const sent = up.received.length;
      expect((await call(`${gw.url}/v1/messages`, k('bob'), messages(claudeId))).status).toBe(400);
      expect((await call(`${gw.url}/v1/responses`, k('bob'), responses(gptId))).status).toBe(400);
      expect(up.received.length).toBe(sent);
      expect((await call(`${gw.url}/v1/messages`, k('alice'), messages(claudeId))).status).toBe(200);
      expect((await call(`${gw.url}/v1/responses`, k('alice'), responses(gptId))).status).toBe(200);
      expect(up.received.length).toBe(sent + 2);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

/** A loopback upstream answering every POST with the SSE text `answer` gives for its body; it keeps the bodies. */
async function startSseUpstream(answer: (body: any, path: string) => string): Promise<{
  origin: string;
  received: Array<{ path: string; body: any }>;
  close(): Promise<void>;
}> {
  const received: Array<{ path: string; body: any }> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(answer(body, req.url ?? ''));
    });
  });
  const { baseUrl, close } = await listening(server);
  return { origin: baseUrl.replace(/\/v1$/, ''), received, close };
}
