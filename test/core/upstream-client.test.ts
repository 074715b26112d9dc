import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamAbort } from '../../core/src/upstream/abort.js';
import { UpstreamClient } from '../../core/src/upstream/client.js';

/** `/models` answers JSON, `/html` HTML; `/silent` never answers; `/endless` and `/endless-gzip` stream events until the connection closes, which `closed` reports. */
const closed: Array<() => void> = [];
const server = createServer((req, res) => {
  if (req.url === '/silent') return;
  if (req.url === '/models') return void res.writeHead(200).end('{"data":[{"id":"m"}]}');
  if (req.url === '/html') return void res.writeHead(502).end('<html>bad gateway</html>');
  const gzip = req.url === '/endless-gzip';
  res.writeHead(200, { 'content-type': 'text/event-stream', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
  const out = gzip ? createGzip({ flush: constants.Z_SYNC_FLUSH }) : res;
  if (gzip) out.pipe(res);
  const timer = setInterval(() => out.write('data: {"a":1}\n\n'), 5);
  res.on('close', () => {
    clearInterval(timer);
    closed.shift()?.();
  });
});
let origin = '';
const client = new UpstreamClient();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, signal: AbortSignal | UpstreamAbort) =>
  client.send(`${origin}${path}`, { method: 'GET', headers: {} }, { signal, bodyTimeoutMs: 30_000 });

describe('an upstream request', () => {
  it('aborted before its answer, fails with undici’s abort code', async () => {
    const abort = new UpstreamAbort();
    const answer = get('/silent', abort);
    abort.abort(new Error('caller left'));
    await expect(answer).rejects.toMatchObject({
      code: 'UND_ERR_ABORTED',
      message: 'the upstream request was aborted',
    });
  });

  it('aborted by an AbortSignal midway through its body, fails the body', async () => {
    const controller = new AbortController();
    const res = await get('/endless', controller.signal);
    const body = res.body[Symbol.asyncIterator]();
    await body.next();
    controller.abort();
    await expect(
      (async () => {
        for (;;) if ((await body.next()).done) return;
      })(),
    ).rejects.toMatchObject({ code: 'UND_ERR_ABORTED' });
  });

  it.each(['/endless', '/endless-gzip'])('%s: a reader leaving early closes the upstream connection', async (path) => {
    const connectionClosed = new Promise<void>((resolve) => closed.push(resolve));
    const res = await get(path, new UpstreamAbort());
    expect(res.headers['content-encoding']).toBeUndefined();
    for await (const chunk of res.body) {
      expect(chunk.toString()).toContain('data: {"a":1}');
      break;
    }
    await connectionClosed;
  });
});

describe('getJson', () => {
  it('gives the status and the parsed body, or undefined for a body that is no JSON', async () => {
    expect(await client.getJson(`${origin}/models`, {}, 5_000)).toEqual({ status: 200, json: { data: [{ id: 'm' }] } });
    expect(await client.getJson(`${origin}/html`, {}, 5_000)).toEqual({ status: 502, json: undefined });
  });
});
