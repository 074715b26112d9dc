// Routing micro-benchmark: selectRoute over 10,000 served targets with a 3-tag query, in-process
// (no I/O), without and with the balanced strategy. Reports the tag-index selection alone, the
// whole selectRoute chain per request, and the chain's cost per candidate it considered.
// Run: node bench/routing.mjs (after tsc -b). Env: ROUTING_SELECTIONS (default 20000).

import { createGateway, createLogger, Exchange, withOptions } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { ROUTER } from '@switchyard/plugin-router/contract';
import { standard } from '@switchyard/preset-standard';
import { strategies } from '@switchyard/plugin-strategies';
import { parseTagQuery, tagRouting } from '@switchyard/plugin-tag-routing';

const SELECTIONS = Number(process.env.ROUTING_SELECTIONS ?? 20_000);
const INSTANCES = 100;
const MODELS_PER_INSTANCE = 100;
const QUERY = 'tag:instruct,70b,gpu';

const families = [
  'llama-3.1',
  'llama-3.3',
  'qwen2.5',
  'mistral',
  'mixtral',
  'gemma-2',
  'phi-3',
  'deepseek-v3',
  'yi-1.5',
  'command-r',
];
const sizes = ['1b', '3b', '7b', '8b', '13b', '14b', '32b', '34b', '70b', '72b'];
const kinds = ['instruct', 'chat', 'coder', 'base', 'vision'];

/** 100 instances × 100 models: every instance serves a different slice of the family × size × kind grid. */
function providers() {
  return Array.from({ length: INSTANCES }, (_, i) => ({
    name: `node-${i}`,
    type: 'openai',
    baseUrl: `http://127.0.0.1:9/node-${i}`,
    priority: 1 + (i % 3),
    tags: [i % 2 === 0 ? 'gpu' : 'cpu', i % 5 === 0 ? 'cheap' : 'standard'],
    models: Array.from({ length: MODELS_PER_INSTANCE }, (_, j) => {
      const n = i * MODELS_PER_INSTANCE + j;
      return `${families[n % families.length]}-${sizes[Math.floor(n / 10) % sizes.length]}-${kinds[Math.floor(n / 100) % kinds.length]}-r${n % 7}`;
    }),
  }));
}

/** Prices and quality per model name, so the balanced strategy has figures to weigh. */
function catalog(list) {
  const names = [...new Set(list.flatMap((p) => p.models))];
  return Object.fromEntries(
    names.map((m, k) => [m, { pricing: { input: (k % 17) * 0.3, output: (k % 13) * 1.1 }, quality: k % 101 }]),
  );
}

async function measure(label, plugins, extraPlugins) {
  const tags = tagRouting();
  const list = providers();
  const gateway = await createGateway({
    config: { providers: list, catalog: catalog(list), plugins },
    presets: [standard()],
    plugins: [tags, ...extraPlugins],
    logger: createLogger({ level: 'silent' }),
  });
  // Five outcomes per target, so latency and reliability are known.
  for (const [k, t] of gateway.need(MODEL_ROUTES).resolver.servedTargets().entries()) {
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
  const body = { model: QUERY, messages: [{ role: 'user', content: 'Route me.' }] };
  let candidates = 0;
  let planned = 0;
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      const x = new Exchange({
        id: String(i),
        protocol: 'openai',
        operation: 'chat',
        body,
        request: body,
        headers: {},
        plan: new RoutePlan(),
      });
      const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
      candidates += plan.discovered.length;
      planned += plan.size;
    }
  };
  await run(SELECTIONS / 4);
  candidates = planned = 0;
  const before = process.cpuUsage();
  await run(SELECTIONS);
  const used = process.cpuUsage(before);
  const perSelection = (used.user + used.system) / SELECTIONS;

  const index = tags.index();
  const query = parseTagQuery(QUERY.slice(4));
  for (let i = 0; i < 2000; i++) index.select(query);
  const t0 = process.cpuUsage();
  const reps = SELECTIONS * 5;
  for (let i = 0; i < reps; i++) index.select(query);
  const t1 = process.cpuUsage(t0);
  await gateway.close();
  return {
    label,
    targets: index.size,
    candidates: candidates / SELECTIONS,
    planned: planned / SELECTIONS,
    selectionUs: perSelection,
    perCandidateUs: perSelection / (candidates / SELECTIONS),
    tagIndexUs: (t1.user + t1.system) / reps,
  };
}

const variants = [
  ['tag routing only', { auth: false, 'rate-limit': false, 'circuit-breaker': false, 'load-balancer': false }, []],
  ['tag routing + breaker + balancer', { auth: false, 'rate-limit': false }, []],
  [
    'tag routing + balanced strategy + breaker + balancer',
    { auth: false, 'rate-limit': false },
    [withOptions(strategies(), { default: 'balanced' })],
  ],
];
console.log(`routing: ${INSTANCES * MODELS_PER_INSTANCE} targets, query ${QUERY}, ${SELECTIONS} selections`);
for (const [label, plugins, extra] of variants) {
  const r = await measure(label, plugins, extra);
  console.log(`  ${r.label}: ${r.candidates.toFixed(0)} candidates → ${r.planned.toFixed(0)} planned`);
  console.log(`    tag index select        ${r.tagIndexUs.toFixed(2).padStart(8)} µs`);
  console.log(
    `    whole selectRoute chain ${r.selectionUs.toFixed(2).padStart(8)} µs per selection   (target < 50 µs)`,
  );
  console.log(
    `    per candidate           ${r.perCandidateUs.toFixed(3).padStart(8)} µs                 (target < 1 µs)`,
  );
}
