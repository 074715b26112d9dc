// Mock upstream: answers OpenAI POST /v1/chat/completions and Anthropic POST /v1/messages at once,
// JSON or SSE. Usage: node mock-upstream.mjs --port N

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import {
  anthropicMessageBody,
  anthropicStreamEvents,
  CHAT_PATH,
  completionBody,
  MESSAGES_PATH,
  streamEvents,
} from './fixtures.mjs';
import { sendJson } from './http-util.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

let served = 0;

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const WIRE = {
  [CHAT_PATH]: { body: completionBody, events: streamEvents },
  [MESSAGES_PATH]: { body: anthropicMessageBody, events: anthropicStreamEvents },
};

function answerJson(res, wire, n, model) {
  const body = wire.body(n, model);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': `req_bench${n}`,
    'openai-processing-ms': '1',
  });
  res.end(body);
}

/** Each event is its own write, one event-loop turn apart, so proxies see them as separate chunks. */
function answerStream(res, wire, n, model) {
  const events = wire.events(n, model);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_bench${n}`,
  });
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === events.length - 1) return void res.end(events[i]);
    res.write(events[i++]);
    setImmediate(next);
  };
  next();
}

async function handle(req, res) {
  if (req.method === 'GET' && req.url === '/health') return sendJson(res, 200, { status: 'ok' });
  const wire = WIRE[req.url];
  if (req.method !== 'POST' || !wire)
    return sendJson(res, 404, {
      error: { message: `no route for ${req.method} ${req.url}`, type: 'invalid_request_error' },
    });
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return sendJson(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
  }
  const n = ++served;
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  if (body.stream === true) answerStream(res, wire, n, model);
  else answerJson(res, wire, n, model);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) sendJson(res, 500, { error: { message: String(err), type: 'server_error' } });
    else res.destroy(err);
  });
});
server.listen(Number(values.port), '127.0.0.1');
