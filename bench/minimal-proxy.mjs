// The floor for any Node gateway: node:http in, undici Pool (keep-alive) out, nothing parsed. The
// request body is read whole (a gateway must, to route on `model`), the response is piped back.
// Usage: node minimal-proxy.mjs --port N --upstream http://127.0.0.1:M/v1

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { CHAT_PATH } from './fixtures.mjs';
import { sendJson } from './http-util.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    upstream: { type: 'string' },
    'api-key': { type: 'string', default: 'bench-key' },
  },
});
if (!values.upstream) throw new Error('--upstream URL is required');
const upstream = new URL(values.upstream);
const upstreamPath = `${upstream.pathname.replace(/\/+$/, '')}/chat/completions`;
const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

/** Response headers that describe this hop's connection, not the payload. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'trailer',
  'te',
]);

function forwardedRequestHeaders(req) {
  const headers = {
    'content-type': req.headers['content-type'] ?? 'application/json',
    authorization: `Bearer ${values['api-key']}`,
  };
  if (req.headers.accept) headers.accept = req.headers.accept;
  return headers;
}

function responseHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function forward(req, res) {
  const upstreamRes = await pool.request({
    path: upstreamPath,
    method: 'POST',
    headers: forwardedRequestHeaders(req),
    body: await readBody(req),
  });
  res.writeHead(upstreamRes.statusCode, responseHeaders(upstreamRes.headers));
  // Plain pipe(): stream.pipeline() would cost an AbortController and a DOMException per response.
  const body = upstreamRes.body;
  body.on('error', (err) => res.destroy(err));
  res.on('close', () => {
    if (!res.writableFinished) body.destroy();
  });
  body.pipe(res);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.method === 'GET' && req.url === '/health') return sendJson(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== CHAT_PATH) return sendJson(res, 404, { error: { message: 'not found' } });
  forward(req, res).catch((err) => {
    if (!res.headersSent)
      sendJson(res, 502, { error: { message: `upstream failed: ${err.message}`, type: 'server_error' } });
    else res.destroy(err);
  });
});
server.listen(Number(values.port), '127.0.0.1');
