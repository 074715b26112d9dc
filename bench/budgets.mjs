// What budgets add per request: the CPU of the budget check (reserve the worst case against a
// key, a team and a global budget in selectRoute, settle the exact cost in onFinish) with the
// memory store, measured in-process without I/O against the same gateway without budgets; and
// the Redis round trips per request with the Redis store, counted at the client (every command
// sent), sequentially and with 32 requests in flight.
// Run: node bench/budgets.mjs   (after npm ci / tsc -b). Env: BUDGET_REQUESTS, BENCH_REDIS_URL, BENCH_REDIS=0.

import { createGateway, createLogger, Exchange } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { standard } from '@switchyard/preset-standard';

const REQUESTS = Number(process.env.BUDGET_REQUESTS ?? 100_000);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const providers = ['a', 'b', 'c'].map((name) => ({
  name,
  type: 'openai',
  baseUrl: `http://127.0.0.1:9/${name}`,
  models: ['bench-model'],
}));
const catalog = { 'bench-model': { pricing: { input: 1, output: 4, cachedRead: 0.1 }, maxOutputTokens: 16_384 } };
const body = {
  model: 'bench-model',
  max_tokens: 512,
  messages: [
    { role: 'system', content: 'You are concise.'.repeat(40) },
    { role: 'user', content: 'Which track?' },
  ],
};
const usage = {
  prompt_tokens: 180,
  completion_tokens: 40,
  total_tokens: 220,
  prompt_tokens_details: { cached_tokens: 128 },
};
const quiet = { auth: false, 'rate-limit': false };
const budgets = {
  keys: { bench: { usd: 1e9, period: 'day' } },
  teams: { 'team-a': { usd: 1e9, period: 'month' } },
  global: { usd: 1e9, period: 'none' },
};

/** One request through the hooks budgets tap: selectRoute (reserve), onResult (pricing), onFinish (settle). */
async function request(gateway, i) {
  const x = new Exchange({
    id: `r${i}-${Math.random()}`,
    protocol: 'openai',
    operation: 'chat',
    body,
    request: body,
    headers: {},
    plan: new RoutePlan(),
  });
  x.caller = { name: 'bench', team: 'team-a', metadata: {} };
  const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
  const target = plan.targets[0];
  x.attempt = 1;
  x.target = target;
  await gateway.hooks.onResult.promise(
    { outcome: 'success', target, attempt: 1, stream: false, status: 200, latencyMs: 5, usage },
    x,
  );
  await gateway.hooks.onFinish.promise(x);
}

async function cpuPerRequest(plugins) {
  const gateway = await createGateway({
    config: { providers, catalog, plugins },
    presets: [standard()],
    logger: createLogger({ level: 'silent' }),
  });
  const run = async (n) => {
    for (let i = 0; i < n; i++) await request(gateway, i);
  };
  await run(REQUESTS / 4); // warm-up
  const before = process.cpuUsage();
  await run(REQUESTS);
  const used = process.cpuUsage(before);
  await gateway.close();
  return (used.user + used.system) / REQUESTS;
}

const without = await cpuPerRequest({ ...quiet });
const withBudgets = await cpuPerRequest({ ...quiet, budgets });
console.log(
  `budgets, memory store: selectRoute + onResult + onFinish per request, ${REQUESTS} requests, 3 budgets (key, team, global):`,
);
console.log(`  without budgets   ${without.toFixed(2).padStart(6)} µs`);
console.log(
  `  with budgets      ${withBudgets.toFixed(2).padStart(6)} µs   (+${(withBudgets - without).toFixed(2)} µs)`,
);

if (process.env.BENCH_REDIS !== '0') {
  const keyPrefix = `switchyard-bench:${process.pid}-${Date.now()}:`;
  const ROUND_TRIP_REQUESTS = Math.min(REQUESTS, 5000);
  for (const [label, settleDelayMs] of [
    ['settlements ride with the next reservation (settleDelayMs 50)', 50],
    ['settlements sent at once (settleDelayMs 0)', 0],
  ]) {
    const gateway = await createGateway({
      config: {
        providers,
        catalog,
        store: { type: 'redis', url: REDIS_URL, keyPrefix },
        plugins: { ...quiet, budgets: { ...budgets, settleDelayMs } },
      },
      presets: [standard()],
      logger: createLogger({ level: 'silent' }),
    });
    const client = gateway.contract({ name: 'store-redis:client' });
    let commands = 0;
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, ...rest) => {
      commands++;
      return send(command, ...rest);
    };
    await request(gateway, -1); // loads the script
    commands = 0;
    const sequentialStart = commands;
    for (let i = 0; i < ROUND_TRIP_REQUESTS; i++) await request(gateway, i);
    const sequential = (commands - sequentialStart) / ROUND_TRIP_REQUESTS;
    const concurrentStart = commands;
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < ROUND_TRIP_REQUESTS) await request(gateway, next++);
      }),
    );
    const concurrent = (commands - concurrentStart) / ROUND_TRIP_REQUESTS;
    const flushStart = commands;
    await gateway.close(); // sends what is still held
    const tail = commands - flushStart;
    console.log(`budgets, Redis store, ${label}:`);
    console.log(
      `  round trips per request: ${sequential.toFixed(3)} sequential, ${concurrent.toFixed(3)} with 32 in flight (${ROUND_TRIP_REQUESTS} requests each; +${tail} at shutdown)`,
    );
  }
  const { Redis } = await import('ioredis');
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${keyPrefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
}
