import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ResponseHead } from '../../core/src/http/head.js';
import { requestUuid } from '../../core/src/http/request-id.js';
import { tenth } from '../../core/src/http/timing.js';

/** A response that records writeHead() calls, as the routed path makes them. */
function recorder(): { res: ServerResponse; heads: Array<[number, string[]]> } {
  const heads: Array<[number, string[]]> = [];
  const res = {
    get headersSent() {
      return heads.length > 0;
    },
    writeHead(status: number, fields: string[]) {
      heads.push([status, [...fields]]);
      return this;
    },
  } as unknown as ServerResponse;
  return { res, heads };
}

describe('response head (routed responses)', () => {
  it('starts with the request id (and connection: close while draining), then fields in the order set', () => {
    const { res, heads } = recorder();
    const head = new ResponseHead('req-1', true);
    head.set('x-switchyard-target', 'a/b');
    head.add({ 'content-type': 'application/json', 'x-extra': '1' });
    head.send(res, 201);
    expect(heads).toEqual([
      [
        201,
        [
          'x-request-id',
          'req-1',
          'connection',
          'close',
          'x-switchyard-target',
          'a/b',
          'content-type',
          'application/json',
          'x-extra',
          '1',
        ],
      ],
    ]);
  });

  it('a later field replaces an earlier one of the same name, in any case, as setHeader does', () => {
    const { res, heads } = recorder();
    const head = new ResponseHead('req-2', false);
    head.set('Retry-After', '1');
    head.set('retry-after', '5');
    head.set('X-Request-Id', 'other');
    head.send(res, 429);
    expect(heads[0]![1]).toEqual(['X-Request-Id', 'other', 'retry-after', '5']);
  });

  it('refuses a field setHeader would refuse, when it is set', () => {
    const head = new ResponseHead('req-3', false);
    expect(() => head.set('x-bad', 'a\r\nb')).toThrow(/Invalid character/);
    expect(() => head.set('bad name', 'v')).toThrow(/Header name must be a valid HTTP token/);
  });

  it("places core's own fields (setOwn) as set does; node refuses a bad one when the head is written", () => {
    const { res, heads } = recorder();
    const head = new ResponseHead('req-5', false);
    head.set('Content-Length', '1');
    head.set('x-switchyard-attempts', '1');
    head.setOwn('content-length', '22');
    head.setOwn('X-Switchyard-Attempts', '2');
    head.setOwn('server-timing', 'total;dur=0.1');
    head.send(res, 200);
    expect(heads[0]![1]).toEqual([
      'x-request-id',
      'req-5',
      'content-length',
      '22',
      'X-Switchyard-Attempts',
      '2',
      'server-timing',
      'total;dur=0.1',
    ]);
    const unchecked = new ResponseHead('req-6', false);
    unchecked.setOwn('x-bad', 'a\r\nb');
    const real = new ServerResponse(new IncomingMessage(new Socket()));
    expect(() => unchecked.send(real, 200)).toThrow(/Invalid character/);
  });

  it('is written once: after the first send, later sends change nothing', () => {
    const { res, heads } = recorder();
    const head = new ResponseHead('req-4', false);
    head.send(res, 200);
    head.send(res, 500);
    expect(heads.map(([status]) => status)).toEqual([200]);
  });
});

/** The raw head a server answers GET / with, its Date line taken out. */
async function rawHead(handle: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const socket = connect(port, '127.0.0.1');
    socket.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let raw = '';
    for await (const chunk of socket) raw += String(chunk);
    return raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\nDate: [^\r]*/, '');
  } finally {
    server.close();
  }
}

describe('response head on the wire', () => {
  it('is what setHeader() per field gave: same fields, order, spelling and values', async () => {
    const sets: Array<[string, string]> = [
      ['x-switchyard-target', 'a/b'],
      ['Retry-After', '1'],
      ['x-extra', 'v'],
      ['retry-after', '5'],
      ['content-type', 'application/json'],
      ['content-length', '2'],
    ];
    const viaSetHeader = await rawHead((res) => {
      res.setHeader('x-request-id', 'r1');
      for (const [name, value] of sets) res.setHeader(name, value);
      res.statusCode = 429;
      res.end('{}');
    });
    const viaHead = await rawHead((res) => {
      const head = new ResponseHead('r1', false);
      for (const [name, value] of sets) head.set(name, value);
      head.send(res, 429);
      res.end('{}');
    });
    expect(viaHead).toBe(viaSetHeader);
    expect(viaHead).toContain('\r\nretry-after: 5\r\n');
  });
});

describe('request ids', () => {
  it('are random version 4 UUIDs, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = requestUuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });
});

describe('Server-Timing durations', () => {
  it('are written as (Math.round(ms * 10) / 10).toString() writes them', () => {
    const samples = [0, 0.04, 0.05, 0.95, 1, 9.99, 12.34, 99.95, 1234.56, 60000.04, 3e9, -1.25, Number.NaN];
    for (let ms = 0; ms < 50; ms += 0.013) samples.push(ms);
    for (const ms of samples) expect(tenth(ms), String(ms)).toBe((Math.round(ms * 10) / 10).toString());
  });
});
