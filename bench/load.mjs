// Closed-loop load: `concurrency` workers, each sending its next request when the previous one
// has been read to the end. Bounded by a request count and a time budget, whichever ends first.

import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { CHAT_PATH, REQUEST_BODY, STREAM_REQUEST_BODY, looksLikeCompletion, looksLikeStream } from './fixtures.mjs';

const MODES = {
  json: { body: REQUEST_BODY, accept: 'application/json', valid: looksLikeCompletion },
  stream: { body: STREAM_REQUEST_BODY, accept: 'text/event-stream', valid: looksLikeStream },
};

/** One keep-alive connection per worker to the target, for the length of a scenario. */
export function openClient(origin, concurrency) {
  return new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
}

/**
 * Runs the loop (closed, or paced at `rate` requests/s) and returns, for the successful requests in
 * completion order, the latencies (ms, request sent → last body byte) and the times to the first
 * body byte (ms, request sent → first body chunk). A request succeeds when it answers 200 with a
 * body of the expected shape.
 */
export async function drive(client, { mode, concurrency, maxRequests, maxSeconds, rate }) {
  const { body, accept, valid } = MODES[mode];
  const options = {
    path: CHAT_PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: 'Bearer bench-caller' },
    body,
  };
  const latencies = new Float64Array(maxRequests);
  const firstByteMs = new Float64Array(maxRequests);
  let issued = 0;
  let succeeded = 0;
  let errors = 0;
  let firstError;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;

  // With a rate, request k is due at started + k/rate (open loop, at most `concurrency` in
  // flight), so every target gets the same load and CPU per request compares like for like.
  const interval = rate ? 1000 / rate : 0;
  const worker = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      const due = started + issued++ * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const t0 = performance.now();
      try {
        const res = await client.request(options);
        const { text, firstByteAt } = await readBody(res.body);
        if (res.statusCode !== 200 || !valid(text))
          throw new Error(`answered ${res.statusCode}: ${text.slice(0, 300)}`);
        firstByteMs[succeeded] = firstByteAt - t0;
        latencies[succeeded++] = performance.now() - t0;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return {
    latencies: latencies.slice(0, succeeded),
    firstByteMs: firstByteMs.slice(0, succeeded),
    errors,
    firstError,
    elapsedMs,
  };
}

/** The whole body as text, and when its first byte arrived (for a stream: the first event). */
async function readBody(body) {
  const chunks = [];
  let firstByteAt;
  for await (const chunk of body) {
    firstByteAt ??= performance.now();
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), firstByteAt: firstByteAt ?? performance.now() };
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
