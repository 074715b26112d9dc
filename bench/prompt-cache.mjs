// What the prompt-cache plugin adds per request on an Anthropic target: the convertRequest taps
// (provider BUILD, then prompt-cache ADJUST) of a gateway with the plugin against one without,
// in-process, no I/O. Two cases: a ~4,000-token system prompt seen again and again (its token
// count memoized by content hash) and a fresh ~4,000-token system prompt on every request
// (tokenized each time). CPU per request from process.cpuUsage().
// Run: node bench/prompt-cache.mjs   (after npm ci / tsc -b). Env: PROMPT_CACHE_REQUESTS.

import { createGateway, createLogger, Exchange } from '@switchyard/core';
import { RoutePlan } from '@switchyard/core/routing';
import { MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import { TokenCounter } from '@switchyard/plugin-prompt-cache';
import { standard } from '@switchyard/preset-standard';

const REQUESTS = Number(process.env.PROMPT_CACHE_REQUESTS ?? 4_000);
const providers = [{ name: 'ant', type: 'anthropic', baseUrl: 'http://127.0.0.1:9', models: ['claude-sonnet-4-5'] }];
const systemPrompt = (seed) =>
  Array.from(
    { length: 168 },
    (_, i) =>
      `Rule ${seed}.${i + 1}: when the traveller asks about region ${i + 1}, answer with care and cite section ${i + 1}.`,
  ).join('\n');
const SYSTEM_TOKENS = new TokenCounter(1).count(systemPrompt(0));
const request = (system) => ({
  model: 'claude-sonnet-4-5',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: 'Plan a three-day trip.' },
    { role: 'assistant', content: 'Which region?' },
    { role: 'user', content: 'Region 12, by train.' },
  ],
});

async function measure(plugins, requests) {
  const gateway = await createGateway({
    config: { providers, plugins },
    presets: [standard()],
    logger: createLogger({ level: 'silent' }),
  });
  const target = gateway.need(MODEL_ROUTES).resolver.resolve('claude-sonnet-4-5')[0];
  const hook = gateway.hooks.convertRequest.get('anthropic');
  const run = async (bodies) => {
    for (const [i, body] of bodies.entries()) {
      const x = new Exchange({
        id: String(i),
        protocol: 'openai',
        operation: 'chat',
        body,
        request: body,
        headers: {},
        plan: new RoutePlan(),
      });
      x.attempt = 1;
      x.target = target;
      await hook.promise({ url: '', method: 'POST', headers: {}, body: undefined, stream: false }, x);
    }
  };
  await run(requests.warmup);
  const before = process.cpuUsage();
  await run(requests.measured);
  const used = process.cpuUsage(before);
  await gateway.close();
  return (used.user + used.system) / requests.measured.length;
}

const repeated = request(systemPrompt(0));
const same = { warmup: Array(REQUESTS / 4).fill(repeated), measured: Array(REQUESTS).fill(repeated) };
// Distinct prompts, built before measuring: what is timed is the taps, not the string building.
const fresh = {
  warmup: Array.from({ length: REQUESTS / 4 }, (_, i) => request(systemPrompt(`w${i}`))),
  measured: Array.from({ length: REQUESTS }, (_, i) => request(systemPrompt(i + 1))),
};

const off = { auth: false, 'rate-limit': false, 'prompt-cache': false };
const on = { auth: false, 'rate-limit': false };
const results = {
  'without prompt-cache, repeated prompt': await measure(off, same),
  'with prompt-cache, repeated prompt (memoized)': await measure(on, same),
  'without prompt-cache, fresh prompt': await measure(off, fresh),
  'with prompt-cache, fresh prompt (tokenized)': await measure(on, fresh),
};
console.log(
  `convertRequest (anthropic) per request, ${REQUESTS} requests, system prompt ${SYSTEM_TOKENS} tokens (o200k):`,
);
const entries = Object.entries(results);
for (const [i, [name, us]] of entries.entries()) {
  const base = i % 2 === 1 ? entries[i - 1][1] : undefined;
  console.log(
    `  ${name.padEnd(46)} ${us.toFixed(1).padStart(8)} µs${base === undefined ? '' : `   (+${(us - base).toFixed(1)} µs)`}`,
  );
}
