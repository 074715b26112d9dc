import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';

/** Writes each piece as its own TCP write, waiting for it to flush, then ends or drops the connection. */
const SCRIPTS: Record<string, { pieces: string[]; drop: boolean }> = {
  whole: {
    pieces: [
      'data:{"id":"c1","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n',
      'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"b"}}]}\r\n\r\n',
      'data: [DONE]\n\n',
    ],
    drop: false,
  },
  split: {
    pieces: [
      'data: {"id":"c1","choices":[{"index":0,"delta":{"con',
      'tent":"a"}}]}\n\ndata: {"id":"c1","choices":[{"index":0,"delta":{"content":"b"}}]}\n\n',
      'data: [DONE]\n\n',
    ],
    drop: false,
  },
  cutMidEvent: {
    pieces: [
      'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n',
      'data: {"id":"c1","choices":[{"index":0,"del',
    ],
    drop: true,
  },
};

let server: ReturnType<typeof createServer>;
let gw: RunningGateway;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const script = SCRIPTS[(JSON.parse(raw) as { model: string }).model]!;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const write = (i: number): void => {
        if (i === script.pieces.length) return void (script.drop ? res.destroy() : res.end());
        res.write(script.pieces[i], () => setImmediate(() => write(i + 1)));
      };
      write(0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  gw = await startGateway({ providers: [{ name: 'raw', type: 'openai', baseUrl: url, models: Object.keys(SCRIPTS) }] });
});

afterAll(async () => {
  await gw.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const stream = async (model: string): Promise<string> => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  return res.text();
};

describe('same-protocol stream pass-through', () => {
  it('forwards chunks of whole events as the upstream wrote them, byte for byte', async () => {
    expect(await stream('whole')).toBe(SCRIPTS.whole!.pieces.join(''));
  });

  it('re-frames an event split across chunks without changing its data', async () => {
    expect(await stream('split')).toBe(
      'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"a"}}]}\n\ndata: {"id":"c1","choices":[{"index":0,"delta":{"content":"b"}}]}\n\ndata: [DONE]\n\n',
    );
  });

  it('never hands the caller half an event when the upstream is cut mid-event', async () => {
    const text = await stream('cutMidEvent');
    const events = text.trim().split('\n\n');
    expect(events).toHaveLength(2);
    expect(events[0]).toBe(SCRIPTS.cutMidEvent!.pieces[0]!.trim());
    expect(JSON.parse(events[1]!.slice('data: '.length)).error.message).toContain('raw/cutMidEvent');
  });
});
