import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createGateway, createLogger, withOptions } from '@switchyard/core';
import type { ConfigInput, Gateway } from '@switchyard/core';
import { auth } from '@switchyard/plugin-auth';
import { webConsole } from '@switchyard/plugin-console';
import { rateLimit } from '@switchyard/plugin-rate-limit';
import { standard } from '@switchyard/preset-standard';
import { collectPageErrors, launchChromium, waitForText } from '../../support/browser.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { useMockOpenAIs } from '../../support/mock-upstreams.js';

/** The page refreshes quickly so that tests wait little; they wait for the DOM, never for a time. */
const REFRESH_MS = 200;
const ADMIN_KEY = 'sk-gw-console-admin-0123456789';
const APP_KEY = 'sk-gw-console-app-9876543210';

let a: MockOpenAI;
let b: MockOpenAI;
useMockOpenAIs(['a', 'b'], (m) => ({ a, b } = m));

/** Launched by the first test that needs it: without Chromium every test fails, saying why (none is skipped). */
let launching: Promise<Browser> | undefined;
const browser = (): Promise<Browser> => (launching ??= launchChromium());
let gateway: Gateway;
let url: string;
/** What POST /admin/reload reads next (the config the gateway started with when unset). */
let reloadWith: ConfigInput | undefined;
const contexts: BrowserContext[] = [];

const config = (): ConfigInput => ({
  server: { host: '127.0.0.1', port: 0 },
  providers: [
    mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'], priority: 1 }),
    mockProvider('b', b.baseUrl, { models: ['gpt-4o-mini'], priority: 2 }),
  ],
});

beforeAll(async () => {
  const preset = standard();
  const start = config();
  gateway = await createGateway({
    config: start,
    presets: [{ ...preset, plugins: preset.plugins.filter((p) => !('name' in p) || p.name !== 'console') }],
    plugins: [withOptions(webConsole(), { refreshMs: REFRESH_MS })],
    logger: createLogger({ level: 'silent' }),
    reloadFrom: async () => ({ config: reloadWith ?? start }),
  });
  url = (await gateway.listen()).url;
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await launching?.then((b) => b.close()).catch(() => undefined);
  await gateway?.close({ drainDelayMs: 0 });
});

async function open(base: string, view = 'traffic'): Promise<{ page: Page; errors: string[] }> {
  const context = await (await browser()).newContext();
  contexts.push(context);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${base}/console#/${view}`);
  return { page, errors };
}

function chat(
  base: string,
  options: { content?: string; stream?: boolean; key?: string; requestId?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.requestId) headers['x-request-id'] = options.requestId;
  const body = {
    model: 'gpt-4o-mini',
    stream: options.stream ?? false,
    messages: [{ role: 'user', content: options.content ?? 'hello' }],
  };
  return fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) }).then(
    async (res) => {
      await res.text();
      return res;
    },
  );
}

const trafficOf = async (name: string): Promise<number> => {
  const traffic = (await (await fetch(`${url}/admin/console/traffic`)).json()) as {
    models: Array<{ name: string; requests: number }>;
  };
  return traffic.models.find((m) => m.name === name)?.requests ?? 0;
};
const row = (kind: string, name: string): string => `[data-testid=traffic-row][data-kind=${kind}][data-name="${name}"]`;

/** Only to mean "hung": a browser shares the 2 cores with every other test file. */
const HUNG = { timeout: 300_000 };

describe('the web console in Chromium', HUNG, () => {
  it('loads every view from the bundled page, with a strict CSP and no page error', async () => {
    const { page, errors } = await open(url);
    const shell = await page.request.get(`${url}/console`);
    expect(shell.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(shell.headers()['x-frame-options']).toBe('DENY');
    await waitForText(page, 'main h1', 'Live traffic');
    await waitForText(page, '[data-testid=access]', 'loopback access (no admin keys configured)');
    const views: Array<[string, string]> = [
      ['circuits', 'Circuits'],
      ['explain', 'Route explain'],
      ['keys', 'Gateway keys'],
      ['config', 'Effective config'],
      ['requests', 'Recent requests'],
      ['traffic', 'Live traffic'],
    ];
    for (const [id, title] of views) {
      await page.click(`[data-testid=nav-${id}]`);
      await waitForText(page, 'main h1', title);
      expect(page.url()).toMatch(new RegExp(`#/${id}$`));
    }
    expect(errors).toEqual([]);
  });

  it('shows traffic per model and per target moving as requests arrive', async () => {
    const { page, errors } = await open(url);
    await waitForText(page, 'main h1', 'Live traffic');
    const before = await trafficOf('gpt-4o-mini');
    for (let i = 0; i < 4; i++) expect((await chat(url)).status).toBe(200);
    expect((await chat(url, { stream: true })).status).toBe(200);
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=requests]`, String(before + 5));
    await waitForText(page, `${row('target', 'a/gpt-4o-mini')} [data-field=requests]`, String(before + 5));
    // Rates, latency percentiles, a stream's time to first token, tokens and cost all show.
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=rate]`, /^(?!0$)\d+(\.\d+)?$/);
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=p50]`, /^\d+ ms$|^\d+\.\d+ s$/);
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=ttftP50]`, /^\d+ ms$|^\d+\.\d+ s$/);
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=tokensIn]`, /^[1-9]/);
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=cost]`, /^\$0\.0*[1-9]/);
    await waitForText(page, '[data-testid=card-rate] [data-field=value]', /^(?!0$)\d+(\.\d+)?$/);
    // An upstream failure on a shows in the target's error rate (the request fails over to b).
    a.queueFault({ kind: 'status', status: 500 });
    expect((await chat(url)).status).toBe(200);
    await waitForText(page, `${row('target', 'a/gpt-4o-mini')} [data-field=errorRate]`, /^(?!0\.0%)\d+\.\d%$/);
    await waitForText(page, `${row('target', 'b/gpt-4o-mini')} [data-field=requests]`, /^[1-9]/);
    expect(errors).toEqual([]);
  });

  it('ejects an instance from the circuits view, routing around it (explain says why), then restores it', async () => {
    const { page, errors } = await open(url, 'circuits');
    const circuit = '[data-testid=circuit-row][data-name=a]';
    await waitForText(page, `${circuit} [data-field=state]`, 'closed');
    expect((await chat(url)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');

    await page.click(`${circuit} [data-testid=eject]`);
    await page.fill(`${circuit} [data-testid=eject-reason]`, 'maintenance');
    await page.click(`${circuit} [data-testid=confirm-eject]`);
    await waitForText(page, `${circuit} [data-field=ejected]`, 'ejected');
    await waitForText(page, `${circuit} [data-field=why]`, /^ejected: maintenance/);
    a.reset();
    for (let i = 0; i < 3; i++) expect((await chat(url)).headers.get('x-switchyard-target')).toBe('b/gpt-4o-mini');
    expect(a.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);

    await page.click('[data-testid=nav-explain]');
    await page.waitForSelector('[data-testid=explain-body]');
    await page.fill(
      '[data-testid=explain-body]',
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    );
    await page.click('[data-testid=explain]');
    await waitForText(page, '[data-testid=plan-target]', /^b\/gpt-4o-mini/);
    await waitForText(
      page,
      '[data-testid=plan-exclusion][data-target="a/gpt-4o-mini"]',
      /circuit-breaker\s*ejected \(maintenance\)/,
    );

    await page.click('[data-testid=nav-circuits]');
    await page.click(`${circuit} [data-testid=restore]`);
    await page.waitForSelector(`${circuit} [data-testid=eject]`);
    expect(await page.locator(`${circuit} [data-field=ejected]`).count()).toBe(0);
    expect((await chat(url)).headers.get('x-switchyard-target')).toBe('a/gpt-4o-mini');
    expect(errors).toEqual([]);
  });

  it('explains a pasted body: the ordered plan and the candidates', async () => {
    const { page, errors } = await open(url, 'explain');
    // The sample body names the first public model.
    await waitForText(page, '[data-testid=explain-body]', /"model": "gpt-4o-mini"/);
    await page.click('[data-testid=explain]');
    await waitForText(page, '[data-testid=plan] h2', 'Plan for gpt-4o-mini');
    const targets = await page
      .locator('[data-testid=plan-target]')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-target')));
    expect(targets).toEqual(['a/gpt-4o-mini', 'b/gpt-4o-mini']);
    // A body that is not JSON is refused in the page; one the gateway refuses shows its message.
    await page.fill('[data-testid=explain-body]', '{ nope');
    await page.click('[data-testid=explain]');
    await waitForText(page, '[data-testid=failure]', /the body is not JSON/);
    await page.fill('[data-testid=explain-body]', JSON.stringify({ model: 'gpt-4o-mini' }));
    await page.click('[data-testid=explain]');
    await waitForText(page, '[data-testid=failure]', /messages/);
    // The refused body's 400 is the only error the browser logged.
    expect(errors).toEqual([expect.stringMatching(/status of 400/)]);
  });

  it('shows the effective config with secrets masked, and what a reload did', async () => {
    const { page, errors } = await open(url, 'config');
    await waitForText(page, '[data-testid=config]', /"providers"/);
    const shown = (await page.textContent('[data-testid=config]')) ?? '';
    expect(shown).toContain('"apiKey": "****');
    expect(shown).not.toContain('sk-upstream-secret');
    const generation = Number(await page.textContent('[data-field=generation]'));

    await page.click('[data-testid=reload]');
    await waitForText(
      page,
      '[data-testid=reload-result]',
      `Reloaded: generation ${generation + 1} now serves new requests.`,
    );
    await waitForText(page, '[data-field=generation]', String(generation + 1));

    reloadWith = { ...config(), plugins: { 'no-such-plugin': {} } };
    try {
      await page.click('[data-testid=reload]');
      await waitForText(
        page,
        '[data-testid=reload-result]',
        /^Reload refused — generation \d+ keeps serving\. Problems:.*no-such-plugin/s,
      );
    } finally {
      reloadWith = undefined;
    }
    expect(gateway.current.generation).toBe(generation + 1);
    // The refused reload's 422 is the only error the browser logged.
    expect(errors).toEqual([expect.stringMatching(/status of 422/)]);
  });

  it('lists recent requests in the tail without their text', async () => {
    const { page, errors } = await open(url, 'requests');
    await waitForText(page, 'main h1', 'Recent requests');
    const marker = `secret-prompt-${Date.now()}`;
    const res = await chat(url, { content: marker, requestId: 'console-tail-0001' });
    expect(res.status).toBe(200);
    const tailRow = '[data-testid=request-row][data-id=console-tail-0001]';
    await waitForText(page, `${tailRow} [data-field=status]`, '200');
    await waitForText(page, `${tailRow} [data-field=target]`, 'a/gpt-4o-mini');
    await waitForText(page, `${tailRow} [data-field=tokens]`, /^\d+ \/ \d+$/);
    expect(await page.locator(tailRow).textContent()).toContain('gpt-4o-mini');
    // Neither the prompt nor the answer (the mock echoes the prompt) is anywhere: page or endpoint.
    expect(await page.content()).not.toContain(marker);
    expect(await (await fetch(`${url}/admin/console/requests`)).text()).not.toContain(marker);
    expect(errors).toEqual([]);
  });
});

describe('the web console behind admin keys', HUNG, () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(
      { providers: [mockProvider('a', a.baseUrl, { models: ['gpt-4o-mini'] })] },
      {
        plugins: [
          withOptions(auth(), {
            keys: [
              { name: 'ops', key: ADMIN_KEY, admin: true },
              { name: 'app', key: APP_KEY, limits: { requestsPerMinute: 100 } },
            ],
          }),
          rateLimit(),
          withOptions(webConsole(), { refreshMs: REFRESH_MS }),
        ],
      },
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('shows nothing without an admin key: a wrong key or a caller key is refused with an error and no data', async () => {
    expect((await chat(gw.url, { key: APP_KEY })).status).toBe(200);
    const { page, errors } = await open(gw.url);
    await page.waitForSelector('[data-testid=admin-key]');
    const noData = async (): Promise<void> => {
      const text = await page.textContent('body');
      expect(text).not.toContain('gpt-4o-mini');
      expect(await page.locator('main').count()).toBe(0);
    };
    await noData();
    // The page's own requests asked for data and were refused.
    expect((await fetch(`${gw.url}/admin/console/traffic`)).status).toBe(401);

    await page.fill('[data-testid=admin-key]', 'sk-gw-not-a-key');
    await page.click('[data-testid=sign-in]');
    await waitForText(page, '[data-testid=signin-error]', 'admin endpoints need an admin key');
    await noData();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.fill('[data-testid=admin-key]', APP_KEY);
    await page.click('[data-testid=sign-in]');
    await waitForText(page, '[data-testid=signin-error]', 'this key is not an admin key');
    await noData();
    // Only admin errors reached the page: anything else would be a bug.
    expect(errors.every((e) => /status of 40[13]/.test(e))).toBe(true);
  });

  it('with the admin key (kept in this tab only, sent as a Bearer token) shows traffic and the keys with their usage, never a key', async () => {
    const { page } = await open(gw.url, 'keys');
    const sent: Array<string | undefined> = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/admin/')) sent.push(req.headers().authorization);
    });
    await page.fill('[data-testid=admin-key]', ADMIN_KEY);
    await page.click('[data-testid=sign-in]');
    await waitForText(page, '[data-testid=access]', 'admin key');
    // From here on, every admin call carries the key.
    sent.length = 0;
    await waitForText(page, '[data-testid=key-row][data-name=app] [data-field=fingerprint]', /^sha256:[0-9a-f]{12}…$/);
    const used = Number(
      (await page.textContent('[data-testid=key-row][data-name=app] [data-field=requests]'))?.split('/')[0],
    );
    for (let i = 0; i < 2; i++) expect((await chat(gw.url, { key: APP_KEY })).status).toBe(200);
    await waitForText(page, '[data-testid=key-row][data-name=app] [data-field=requests]', `${used + 2} / 100`);
    const html = await page.content();
    for (const secret of [ADMIN_KEY, APP_KEY, 'sk-upstream-secret']) expect(html).not.toContain(secret);
    expect(
      await page.evaluate(() => [
        sessionStorage.getItem('switchyard.console.adminKey'),
        localStorage.length,
        document.cookie,
      ]),
    ).toEqual([ADMIN_KEY, 0, '']);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((h) => h === `Bearer ${ADMIN_KEY}`)).toBe(true);

    await page.click('[data-testid=nav-traffic]');
    await waitForText(page, `${row('model', 'gpt-4o-mini')} [data-field=requests]`, /^[1-9]/);
    await page.click('[data-testid=sign-out]');
    await page.waitForSelector('[data-testid=admin-key]');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});
