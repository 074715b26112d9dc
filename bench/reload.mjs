// What a config reload costs: the time from gateway.reload() to the swap (a new generation built,
// checked and started beside the serving one), and whether retired generations are freed — heap
// after many reloads, each generation having served requests, against the heap after the first few.
// Run: node --expose-gc bench/reload.mjs   (after npm ci / tsc -b). Env: RELOADS.

import { createServer } from 'node:http';
import { createGateway, createLogger } from '@switchyard/core';
import { standard } from '@switchyard/preset-standard';

const RELOADS = Number(process.env.RELOADS ?? 300);
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${upstream.address().port}/v1`;

const config = (n) => ({
  server: { port: 0 },
  providers: ['a', 'b', 'c'].map((name) => ({ name, type: 'openai', baseUrl, models: ['m'] })),
  models: [{ name: 'smart', targets: [`${['a', 'b', 'c'][n % 3]}/m`] }],
});
const gateway = await createGateway({
  config: config(0),
  presets: [standard()],
  logger: createLogger({ level: 'silent' }),
});
const { url } = await gateway.listen();
const request = () =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
  }).then((r) => r.arrayBuffer());

const heapAfterGc = async () => {
  await new Promise((r) => setTimeout(r, 50));
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
const times = [];
let baseline = 0;
for (let n = 1; n <= RELOADS; n++) {
  const started = process.hrtime.bigint();
  const result = await gateway.reload(config(n));
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (!result.ok) throw new Error(`reload ${n} failed: ${result.problems}`);
  await Promise.all([request(), request(), request()]);
  if (n === 20) baseline = await heapAfterGc();
}
const final = await heapAfterGc();
await gateway.close({ drainDelayMs: 0 });
upstream.close();

times.sort((x, y) => x - y);
const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
console.log(
  `reload (standard preset, 3 instances): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms over ${RELOADS} reloads`,
);
if (globalThis.gc)
  console.log(
    `heap after reload 20: ${(baseline / 2 ** 20).toFixed(1)} MiB; after reload ${RELOADS}: ${(final / 2 ** 20).toFixed(1)} MiB (retired generations freed when these stay close)`,
  );
else console.log('run with node --expose-gc for the heap figures');
