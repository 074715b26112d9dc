/**
 * Every README code block that composes a gateway (`const gateway = await createGateway(…)`) runs
 * as written, against the strict mock upstreams: its imports resolve, registration succeeds, and
 * the gateway it builds answers a request through its provider. Only what points a snippet at
 * a real service changes: hosted base URLs become the mocks', `config` (when the snippet takes it
 * from the reader) is a one-provider config, and a fixed port becomes 0.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '@switchyard/core';
import type { Gateway, Plugin, SwitchyardError } from '@switchyard/core';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import type { MockAnthropic } from '../support/mock-anthropic.js';
import { startMockGemini } from '../support/mock-gemini.js';
import type { MockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';

const ROOT = join(import.meta.dirname, '../..');
const KEY = 'sk-upstream-readme-0123456789';
const GEMINI_KEY = 'AIza-upstream-readme-0123456789';

/** Snippets that cannot run here, and why; each must still exist (a stale entry fails). */
const NOT_RUN: Record<string, string> = {
  'plugins/otel/README.md': 'needs the OpenTelemetry SDK packages, which this repository does not install',
};

interface Snippet {
  readonly file: string;
  readonly index: number;
  readonly code: string;
}

function readmes(): string[] {
  const files = ['README.md', 'core/README.md', 'cli/README.md'];
  for (const dir of ['plugins', 'presets', 'examples', 'wire'])
    for (const name of readdirSync(join(ROOT, dir))) files.push(`${dir}/${name}/README.md`);
  return files.filter((file) => {
    try {
      readFileSync(join(ROOT, file));
      return true;
    } catch {
      return false;
    }
  });
}

function snippets(pattern = /\bcreateGateway\(/): Snippet[] {
  const found: Snippet[] = [];
  for (const file of readmes()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    blocks.forEach((code, index) => {
      if (pattern.test(code)) found.push({ file, index, code });
    });
  }
  return found;
}

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gemini: MockGemini;

beforeAll(async () => {
  openai = await startMockOpenAI({ name: 'readme-openai', apiKey: KEY });
  anthropic = await startMockAnthropic({ name: 'readme-anthropic', apiKey: KEY });
  gemini = await startMockGemini({ name: 'readme-gemini', apiKey: GEMINI_KEY });
});
afterAll(async () => {
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

/** The provider a snippet's gateway talks to, the config it is given, and the request that proves it serves. */
function upstreamOf(code: string): { config: object; path: string; body: object; requests: () => number } {
  const server = { host: '127.0.0.1', port: 0, drainDelayMs: 0 };
  const log = { level: 'silent' };
  if (/\bgemini\(\)/.test(code))
    return {
      config: {
        server,
        log,
        providers: [{ name: 'main', type: 'gemini', baseUrl: gemini.origin, apiKey: GEMINI_KEY }],
      },
      path: '/v1/chat/completions',
      body: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] },
      requests: () => gemini.requests.length,
    };
  if (/\banthropic\(\)/.test(code))
    return {
      config: { server, log },
      path: '/v1/messages',
      body: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
      requests: () => anthropic.requests.length,
    };
  return {
    config: {
      server,
      log,
      providers: [{ name: 'main', type: 'openai', baseUrl: openai.baseUrl, apiKey: KEY, models: ['gpt-4o-mini'] }],
      models: [{ name: 'smart', targets: ['main/gpt-4o-mini'] }],
    },
    path: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    requests: () => openai.requests.length,
  };
}

/** The snippet as a module exporting its gateway, pointed at the mocks. */
function runnable(code: string, config: object): string {
  const given =
    /\bconst \{?\s*config\b/.test(code) || !/\bconfig\b(?!:)/.test(code) ? '' : 'const config = __CONFIG__;\n';
  const reload = /\bnewConfig\b/.test(code) ? 'const newConfig = config;\n' : '';
  const body = code
    .replaceAll('https://api.openai.com/v1', openai.baseUrl)
    .replaceAll('https://api.anthropic.com', anthropic.origin)
    .replace(/port: \d+/g, 'port: 0')
    .replace(/^await gateway\.listen\(/m, 'globalThis.__readmeListen = await gateway.listen(');
  // Imports stay first; the given values come after them.
  const lines = body.split('\n');
  const lastImport = lines.findLastIndex((l) => l.startsWith('import ') || l.startsWith("} from '"));
  lines.splice(lastImport + 1, 0, (given + reload).replace('__CONFIG__', JSON.stringify(config)));
  return `${lines.join('\n')}\nexport { gateway };\n`;
}

/** What the snippets read from the environment: keys, and configFromEnv's OpenAI base URL. */
const env = (): Record<string, string> => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: openai.baseUrl,
  ANTHROPIC_API_KEY: KEY,
  LOG_LEVEL: 'silent',
});

declare global {
  var __readmeListen: { url: string } | undefined;
}

describe('README snippets that compose a gateway', () => {
  const all = snippets();

  it('are found, and every snippet left out still exists', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const file of Object.keys(NOT_RUN)) expect(all.map((s) => s.file)).toContain(file);
  });

  for (const snippet of all.filter((s) => !(s.file in NOT_RUN))) {
    it(`${snippet.file} #${snippet.index + 1} runs and its gateway serves a request`, async () => {
      const { config, path, body, requests } = upstreamOf(snippet.code);
      const file = join(
        ROOT,
        'test/docs',
        `.snippet-${process.pid}-${snippet.index}-${snippet.file.replaceAll('/', '_')}.mjs`,
      );
      writeFileSync(file, runnable(snippet.code, config));
      const vars = env();
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      Object.assign(process.env, vars);
      globalThis.__readmeListen = undefined;
      let gateway: Gateway | undefined;
      try {
        ({ gateway } = (await import(pathToFileURL(file).href)) as { gateway: Gateway });
        expect(gateway, `${relative(ROOT, file)} defines no gateway`).toBeDefined();
        if (gateway.draining) return; // the snippet shows close() itself: it ran to its end
        const { url } = globalThis.__readmeListen ?? (await gateway.listen({ host: '127.0.0.1', port: 0 }));
        const before = requests();
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status, await res.clone().text()).toBe(200);
        expect(requests()).toBeGreaterThan(before);
      } finally {
        await gateway?.close({ drainDelayMs: 0 });
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        rmSync(file, { force: true });
      }
    });
  }
});

describe("the root README's plugin in ten lines", () => {
  const [code] = snippets(/\bdefinePlugin\(/)
    .filter((s) => s.file === 'README.md')
    .map((s) => s.code);

  it('loads, checks its options, and its beforeRoute rule answers in the caller’s protocol', async () => {
    expect(code).toBeDefined();
    const file = join(ROOT, 'test/docs', `.snippet-${process.pid}-plugin.mjs`);
    writeFileSync(file, code!);
    try {
      const { noNightShift } = (await import(pathToFileURL(file).href)) as { noNightShift: Plugin };
      const { standard } = await import('@switchyard/preset-standard');
      const { config } = upstreamOf('');
      const err = await createGateway({ config, presets: [standard()], plugins: [noNightShift] }).then(
        () => undefined,
        (e: unknown) => e as SwitchyardError,
      );
      expect(err?.problems?.join('\n')).toMatch(/plugins\.no-night-shift.*instance/);
      // The night rule excludes an instance this gateway does not route to, whatever the hour.
      const gateway = await createGateway({
        config: { ...config, plugins: { 'no-night-shift': { instance: 'elsewhere' } } },
        presets: [standard()],
        plugins: [noNightShift],
      });
      try {
        const { url } = await gateway.listen();
        const ask = (headers: Record<string, string>) =>
          fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
          });
        const refused = await ask({});
        expect(refused.status).toBe(403);
        expect((await refused.json()).error).toMatchObject({ type: 'permission_error', message: 'send x-team' });
        expect((await ask({ 'x-team': 'a' })).status).toBe(200);
      } finally {
        await gateway.close({ drainDelayMs: 0 });
      }
    } finally {
      rmSync(file, { force: true });
    }
  });
});
