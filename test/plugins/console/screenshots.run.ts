/**
 * Not a test: takes the screenshots in plugins/console/README.md, against a gateway with mock
 * upstreams and mock traffic. `npm run screenshots -w @switchyard/plugin-console` runs it.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { withOptions } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { circuitBreaker } from '@switchyard/plugin-circuit-breaker';
import { webConsole } from '@switchyard/plugin-console';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import { launchChromium, waitForText } from '../../support/browser.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import { startMockOpenAI } from '../../support/mock-openai.js';

const OUT = fileURLToPath(new URL('../../../plugins/console/docs/', import.meta.url));
const ADMIN_KEY = 'sk-gw-screenshots-admin-0123456789';
const KEYS = { search: 'sk-gw-search-app-0123456789', batch: 'sk-gw-batch-jobs-0123456789' };

it('takes the console screenshots', async () => {
  mkdirSync(OUT, { recursive: true });
  const main = await startMockOpenAI({ name: 'openai-main', models: ['gpt-4o-mini', 'gpt-4o'], chunks: 8 });
  const backup = await startMockOpenAI({ name: 'openai-backup', models: ['gpt-4o-mini', 'gpt-4o'] });
  const local = await startMockOpenAI({ name: 'local-vllm', models: ['llama-3.1-8b'] });
  const flaky = await startMockOpenAI({ name: 'edge-eu', models: ['gpt-4o-mini'] });
  const gw = await startGateway(
    {
      providers: [
        mockProvider('openai-main', main.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'], priority: 1 }),
        mockProvider('openai-backup', backup.baseUrl, { models: ['gpt-4o-mini', 'gpt-4o'], priority: 2 }),
        mockProvider('local-vllm', local.baseUrl, { models: ['llama-3.1-8b'], local: true }),
        mockProvider('edge-eu', flaky.baseUrl, { models: ['gpt-4o-mini'], priority: 3 }),
      ],
      models: [{ name: 'fast', targets: ['local-vllm/llama-3.1-8b', 'openai-main/gpt-4o-mini'] }],
      catalog: { 'llama-3.1-8b': { pricing: { input: 0, output: 0 } } },
    },
    {
      plugins: [
        withOptions(auth(), {
          keys: [
            { name: 'ops', key: ADMIN_KEY, admin: true, models: [] },
            {
              name: 'search-app',
              key: KEYS.search,
              team: 'search',
              models: ['gpt-4o*', 'fast'],
              limits: { requestsPerMinute: 600, tokensPerMinute: 200000 },
            },
            {
              name: 'batch-jobs',
              key: KEYS.batch,
              owner: 'data',
              limits: { requestsPerMinute: 120, tokensPerDay: 5000000, concurrent: 8 },
            },
          ],
        }),
        // After auth, so that it sees the keys' limits.
        rateLimit(),
        withOptions(circuitBreaker(), { failureThreshold: 3, openMs: 120_000 }),
        withOptions(webConsole(), { refreshMs: 1000 }),
      ],
    },
  );
  const browser = await launchChromium();
  try {
    // Traffic: several models, some streams, a little latency spread, and a few upstream failures.
    const send = (key: string, model: string, i: number, stream = false) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          stream,
          messages: [{ role: 'user', content: `Summarize ticket #${1000 + i} in two sentences, please.` }],
        }),
      }).then((r) => r.text());
    for (let i = 0; i < 24; i++) {
      main.queueFault({ kind: 'delay', ms: 40 + ((i * 37) % 160) });
      local.queueFault({ kind: 'delay', ms: 20 + ((i * 13) % 60) });
      if (i % 8 === 5) main.queueFault({ kind: 'status', status: 503 });
      await Promise.all([
        send(KEYS.search, 'gpt-4o-mini', i, i % 3 === 0),
        send(KEYS.batch, 'gpt-4o', i),
        send(KEYS.search, 'fast', i, i % 2 === 0),
      ]);
      // Spread over a few seconds, for the per-second lines (a script, not a test: it may pause).
      await new Promise((r) => setTimeout(r, 250));
    }
    // edge-eu fails until its circuit opens; local-vllm is ejected for maintenance.
    flaky.setFault({ kind: 'status', status: 502 });
    for (let i = 0; i < 3; i++)
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.batch}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'edge-eu/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
    await fetch(`${gw.url}/admin/circuits/local-vllm/eject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'driver upgrade' }),
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`${gw.url}/console#/traffic`);
    await page.waitForSelector('[data-testid=admin-key]');
    await page.screenshot({ path: `${OUT}signin.png` });
    await page.fill('[data-testid=admin-key]', ADMIN_KEY);
    await page.click('[data-testid=sign-in]');
    await page.waitForSelector('[data-testid=traffic-row][data-kind=target]');
    await page.screenshot({ path: `${OUT}traffic.png`, fullPage: true });

    await page.click('[data-testid=nav-circuits]');
    await waitForText(page, '[data-testid=circuit-row][data-name=local-vllm] [data-field=ejected]', 'ejected');
    await page.screenshot({ path: `${OUT}circuits.png` });

    await page.click('[data-testid=nav-explain]');
    await waitForText(page, '[data-testid=explain-body]', /"model"/);
    await page.fill(
      '[data-testid=explain-body]',
      JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Hello' }] }, null, 2),
    );
    await page.click('[data-testid=explain]');
    await page.waitForSelector('[data-testid=plan-exclusion]');
    await page.screenshot({ path: `${OUT}explain.png` });

    await page.click('[data-testid=nav-keys]');
    await page.waitForSelector('[data-testid=key-row][data-name=batch-jobs]');
    await page.screenshot({ path: `${OUT}keys.png` });

    await page.click('[data-testid=nav-config]');
    await page.click('[data-testid=reload]');
    await page.waitForSelector('[data-testid=reload-result]');
    await page.screenshot({ path: `${OUT}config.png` });

    await page.click('[data-testid=nav-requests]');
    await page.waitForSelector('[data-testid=request-row]');
    await page.screenshot({ path: `${OUT}requests.png` });
  } finally {
    await browser.close();
    await gw.close();
    await Promise.all([main.close(), backup.close(), local.close(), flaky.close()]);
  }
});
