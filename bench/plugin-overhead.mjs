// What the circuit breaker and load balancer add per request, measured in-process without any
// I/O: the selectRoute and onResult hooks of a gateway with both plugins against one without,
// over the same synthetic requests. Closed-loop HTTP figures are too noisy to resolve a few µs.
// Run: node bench/plugin-overhead.mjs   (after npm ci / tsc -b). Env: OVERHEAD_REQUESTS.

import { createGateway, createLogger, Exchange } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { standard } from '@switchyard/preset-standard';

const REQUESTS = Number(process.env.OVERHEAD_REQUESTS ?? 200_000);
const providers = ['a', 'b', 'c'].map((name) => ({
  name,
  type: 'openai',
  baseUrl: `http://127.0.0.1:9/${name}`,
  models: ['bench-model'],
}));
const body = {
  model: 'bench-model',
  messages: [
    { role: 'system', content: 'You are concise.'.repeat(40) },
    { role: 'user', content: 'Which track?' },
  ],
};

const variants = {
  'core only': { 'circuit-breaker': false, 'load-balancer': false, auth: false, 'rate-limit': false },
  'breaker + balancer': { auth: false, 'rate-limit': false },
  'breaker + balancer, sticky by header': {
    auth: false,
    'rate-limit': false,
    'load-balancer': { sticky: { sources: ['header'] } },
  },
  'breaker + balancer, sticky by prompt': {
    auth: false,
    'rate-limit': false,
    'load-balancer': { sticky: { sources: ['prompt'] } },
  },
};

async function measure(plugins) {
  const gateway = await createGateway({
    config: { providers, plugins },
    presets: [standard()],
    logger: createLogger({ level: 'silent' }),
  });
  const run = async (n) => {
    for (let i = 0; i < n; i++) {
      const x = new Exchange({
        id: String(i),
        protocol: 'openai',
        operation: 'chat',
        body,
        request: body,
        headers: { 'x-session-id': `s${i % 64}` },
        plan: new RoutePlan(),
      });
      const plan = await gateway.hooks.selectRoute.promise(x.plan, x);
      const target = plan.targets[0];
      x.attempt = 1;
      x.target = target;
      await gateway.hooks.onResult.promise(
        { outcome: 'success', target, attempt: 1, stream: false, status: 200, latencyMs: 5 },
        x,
      );
      if (gateway.hooks.onFinish.isUsed()) await gateway.hooks.onFinish.promise(x);
    }
  };
  await run(REQUESTS / 4); // warm-up
  const before = process.cpuUsage();
  await run(REQUESTS);
  const used = process.cpuUsage(before);
  await gateway.close();
  return (used.user + used.system) / REQUESTS;
}

const results = {};
for (const [name, plugins] of Object.entries(variants)) results[name] = await measure(plugins);
const base = results['core only'];
console.log(`selectRoute + onResult per request, ${REQUESTS} requests, 3 candidates:`);
for (const [name, us] of Object.entries(results)) {
  console.log(
    `  ${name.padEnd(38)} ${us.toFixed(2).padStart(6)} µs${name === 'core only' ? '' : `   (+${(us - base).toFixed(2)} µs)`}`,
  );
}
