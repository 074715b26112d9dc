// Smart routing at scale, in-process, no I/O: the balanced scorer over 10,000 candidates
// (ns per candidate), and a whole gateway.need(ROUTER).select() (every selectRoute tap: resolve,
// capabilities, constraints, breaker, strategies, balancer) over the same 10,000 targets.
// Run: node bench/routing-select.mjs   (after npm ci / tsc -b). Env: ROUTING_TARGETS, ROUTING_ROUNDS.

import { createGateway, createLogger, withOptions } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { ROUTER } from '@switchyard/plugin-router/contract';
import { standard } from '@switchyard/preset-standard';
import { BalancedScorer, strategies, TargetProfiles } from '@switchyard/plugin-strategies';

const TARGETS = Number(process.env.ROUTING_TARGETS ?? 10_000);
const ROUNDS = Number(process.env.ROUTING_ROUNDS ?? 200);
const INSTANCES = 100;
const perInstance = Math.ceil(TARGETS / INSTANCES);
const providers = Array.from({ length: INSTANCES }, (_, i) => ({
  name: `i${i}`,
  type: 'openai',
  baseUrl: `http://127.0.0.1:9/i${i}`,
  models: Array.from({ length: perInstance }, (_, j) => `m${j}`),
  local: i % 10 === 0,
}));
const targets = providers.flatMap((p) => p.models.map((m) => `${p.name}/${m}`)).slice(0, TARGETS);
const catalog = Object.fromEntries(
  Array.from({ length: perInstance }, (_, j) => [
    `m${j}`,
    { pricing: { input: (j % 17) * 0.3, output: (j % 13) * 1.1 }, quality: j % 101 },
  ]),
);

const gateway = await createGateway({
  config: { providers, models: [{ name: 'pool', targets }], catalog, plugins: { auth: false, 'rate-limit': false } },
  presets: [standard()],
  plugins: [withOptions(strategies(), { byModel: { pool: 'balanced' } })],
  logger: createLogger({ level: 'silent' }),
});
const pool = gateway.need(MODEL_ROUTES).resolver.resolve('pool');
for (let k = 0; k < pool.length; k++) {
  const t = pool[k];
  for (let r = 0; r < 5; r++)
    gateway
      .need(ROUTER)
      .report(
        t.id,
        k % 7
          ? { outcome: 'success', latencyMs: 200 + (k % 50) * 10, ttftMs: 50 + (k % 30), outputTokens: 100 }
          : { outcome: 'failure' },
      );
}

const scorer = new BalancedScorer({ cost: 1, speed: 1, quality: 1, reliability: 1 });
const profiles = new TargetProfiles(gateway.need(MODEL_INFO), gateway.need(ROUTER));
const out = new Float64Array(pool.length);
const estimate = { inputTokens: 800, outputTokens: 300 };
for (let i = 0; i < 50; i++) scorer.score(pool, profiles, estimate, out); // warm-up (profiles built)
let t0 = process.hrtime.bigint();
for (let i = 0; i < ROUNDS * 5; i++) scorer.score(pool, profiles, estimate, out);
const scoreNs = Number(process.hrtime.bigint() - t0) / (ROUNDS * 5) / pool.length;

const request = { model: 'pool', messages: [{ role: 'user', content: 'Which track?' }] };
for (let i = 0; i < 20; i++) await gateway.need(ROUTER).select(request);
t0 = process.hrtime.bigint();
for (let i = 0; i < ROUNDS; i++) await gateway.need(ROUTER).select(request);
const selectMs = Number(process.hrtime.bigint() - t0) / ROUNDS / 1e6;
const plan = await gateway.need(ROUTER).select(request);
await gateway.close();

console.log(`routing over ${pool.length} candidates (${INSTANCES} instances)`);
console.log(`  balanced scorer: ${scoreNs.toFixed(1)} ns per candidate`);
console.log(
  `  router.select (balanced, every tap): ${selectMs.toFixed(2)} ms per request, ${((selectMs * 1e6) / pool.length).toFixed(0)} ns per candidate; first ${plan.targets[0].id}`,
);
