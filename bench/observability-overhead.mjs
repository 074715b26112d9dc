// What observability adds per request, measured in-process without any I/O but the log file:
// the same synthetic requests through beforeRoute, selectRoute, onResult and onFinish, then the
// request outcome, the log line and the Server-Timing header as core builds them, on a gateway
// without metrics / log / timing, then with each of them on.
// Run: node bench/observability-overhead.mjs   (after npm ci / tsc -b). Env: OBS_REQUESTS.

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, createLogger, Exchange } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { standard } from '@switchyard/preset-standard';
import { requestLine, requestLogger } from '@switchyard/plugin-request-log';
import { requestOutcome } from '../core/dist/http/outcome.js';
import { ResponseHead } from '../core/dist/http/head.js';
import { setServerTiming } from '../core/dist/http/timing.js';

const REQUESTS = Number(process.env.OBS_REQUESTS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-obs-bench-'));
const providers = ['a', 'b'].map((name) => ({
  name,
  type: 'openai',
  baseUrl: `http://127.0.0.1:9/${name}`,
  models: ['gpt-4o-mini'],
}));
const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Which track?' }] };
const usage = {
  prompt_tokens: 420,
  completion_tokens: 80,
  total_tokens: 500,
  prompt_tokens_details: { cached_tokens: 128 },
};

const variants = {
  'none (no metrics, log off, timing off)': { metrics: false, log: false, timing: false },
  metrics: { metrics: true, log: false, timing: false },
  'metrics + request log (discarded)': { metrics: true, log: 'discard', timing: false },
  'metrics + request log (file)': { metrics: true, log: true, timing: false },
  'metrics + log + Server-Timing': { metrics: true, log: true, timing: true },
};

async function measure({ metrics, log, timing }, name) {
  const file = join(dir, `${name.replace(/[^a-z]+/gi, '-')}.log`);
  const logger =
    log === 'discard'
      ? createLogger({ level: 'info', destination: { write() {} } })
      : log
        ? createLogger({ level: 'info', file })
        : createLogger({ level: 'silent' });
  const gateway = await createGateway({
    config: {
      providers,
      server: { timing },
      plugins: { auth: false, 'rate-limit': false, 'request-log': false, ...(metrics ? {} : { metrics: false }) },
    },
    presets: [standard()],
    logger,
  });
  const requestLog = requestLogger(logger);
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      const x = new Exchange({
        id: `req-${i}`,
        protocol: 'openai',
        operation: 'chat',
        body,
        request: body,
        headers: {},
        plan: new RoutePlan(),
      });
      // As a request that asks for per-plugin Server-Timing (x-switchyard-timing): its taps are timed.
      if (timing) x.timings.spans = [];
      await gateway.hooks.beforeRoute.promise(x);
      const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
      const target = plan.targets[0];
      x.attempt = 1;
      x.target = target;
      const result = { outcome: 'success', target, attempt: 1, stream: false, status: 200, latencyMs: 5, usage };
      x.results.push(result);
      x.timings.upstreamMs += 5;
      await gateway.hooks.onResult.promise(result, x);
      if (timing) setServerTiming(new ResponseHead(x.id, false), x, false, gateway.hooks.timedPlugins);
      x.response = requestOutcome(x, 200, undefined);
      requestLog.info(requestLine(x, 3), 'request');
      await gateway.hooks.onFinish.promise(x);
      if (i % 256 === 255) await new Promise(setImmediate); // an I/O turn, as a server gets: the log file is written
    }
  };
  await run(REQUESTS / 4); // warm-up
  if (log === true) await flushed(logger, file);
  const before = process.cpuUsage();
  await run(REQUESTS);
  if (log === true) await flushed(logger, file);
  const used = process.cpuUsage(before);
  await gateway.close();
  return { us: (used.user + used.system) / REQUESTS, bytes: log === true ? statSync(file).size : 0 };
}

/** Resolves once every buffered line reached the file: flushed, and its size steady for 100 ms. */
async function flushed(logger, file) {
  let size = -1;
  for (;;) {
    await new Promise((resolve) => logger.flush(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = existsSync(file) ? statSync(file).size : 0;
    if (now > 0 && now === size) return;
    size = now;
  }
}

const results = {};
for (const [name, v] of Object.entries(variants)) results[name] = await measure(v, name);
rmSync(dir, { recursive: true, force: true });
const base = results[Object.keys(variants)[0]].us;
console.log(`observability per request (hooks + outcome + log line + Server-Timing), ${REQUESTS} requests, CPU µs:`);
for (const [name, { us, bytes }] of Object.entries(results)) {
  const extra = name.startsWith('none') ? '' : `   (+${(us - base).toFixed(2)} µs)`;
  console.log(
    `  ${name.padEnd(40)} ${us.toFixed(2).padStart(6)} µs${extra}${bytes ? `   log ${(bytes / (REQUESTS * 1.25)).toFixed(0)} B/line` : ''}`,
  );
}
