import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Libraries the standard preset loads only when configuration needs them. */
const OPTIONAL = [
  'ioredis',
  'prom-client',
  '@azure/msal-node',
  'google-auth-library',
  '@smithy/signature-v4',
  '@aws-sdk/credential-provider-ini',
  'gpt-tokenizer',
  // Only a YAML config file needs the parser.
  'yaml',
  // Ajv's compiler: the standard preset brings its validators generated (npm run validators), only their runtime loads.
  'ajv/dist/compile',
];

/**
 * Builds a gateway of the standard preset with `config` in a fresh Node process (what is loaded
 * is process-wide) and returns which of OPTIONAL it loaded (each is CommonJS, so loading it puts
 * it in the require cache, however it was imported).
 */
function loadedBy(config: Record<string, unknown>): string[] {
  const script = `
    import { createRequire } from 'node:module';
    import { createGateway, createLogger } from '@switchyard/core';
    import standard from '@switchyard/preset-standard';
    const gateway = await createGateway({ config: ${JSON.stringify(config)}, presets: [standard()], logger: createLogger({ level: 'silent' }) });
    const files = Object.keys(createRequire(import.meta.url).cache);
    await gateway.close({ drainDelayMs: 0 });
    const loaded = ${JSON.stringify(OPTIONAL)}.filter((name) => files.some((f) => f.includes('/node_modules/' + name + '/')));
    process.stdout.write(JSON.stringify(loaded));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as string[];
}

const openai = {
  name: 'u',
  type: 'openai',
  baseUrl: 'http://127.0.0.1:9/v1',
  apiKey: 'sk-upstream-0123456789',
  models: ['gpt-4o-mini'],
};

describe('standard preset: libraries loaded only when configured', () => {
  it('an OpenAI-only gateway on the memory store without metrics loads none of them', () => {
    expect(loadedBy({ providers: [openai], plugins: { metrics: false } })).toEqual([]);
  });

  it('metrics on loads prom-client, a Redis store loads ioredis, and nothing else', () => {
    expect(
      loadedBy({
        providers: [openai],
        store: { type: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'switchyard-test-lazy:' },
      }),
    ).toEqual(['ioredis', 'prom-client']);
  });
});

/**
 * What a listening gateway of the standard preset (metrics on) has loaded once it answered
 * /health, /ready, a JSON admin route and /metrics, in a fresh process: whether Node's bundled
 * undici (fetch) was loaded, and which of `files` are in the require cache. The script reads
 * its answers with node:http, since fetch itself would load Node's undici.
 */
function loadedWhenServing(files: string[]): { bundledUndici: boolean; loaded: string[]; statuses: number[] } {
  const script = `
    import { get } from 'node:http';
    import { createRequire } from 'node:module';
    import { createGateway, createLogger } from '@switchyard/core';
    import standard from '@switchyard/preset-standard';
    const gateway = await createGateway({ config: ${JSON.stringify({ providers: [openai] })}, presets: [standard()], logger: createLogger({ level: 'silent' }) });
    const { url } = await gateway.listen({ port: 0, host: '127.0.0.1' });
    const status = (path) => new Promise((resolve, reject) =>
      get(url + path, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject));
    const statuses = [];
    for (const path of ['/health', '/ready', '/admin/routes', '/metrics']) statuses.push(await status(path));
    const cached = Object.keys(createRequire(import.meta.url).cache);
    const bundledUndici = process.moduleLoadList.includes('NativeModule internal/deps/undici/undici');
    await gateway.close({ drainDelayMs: 0 });
    const loaded = ${JSON.stringify(files)}.filter((file) => cached.some((f) => f.endsWith('/node_modules/' + file)));
    process.stdout.write(JSON.stringify({ bundledUndici, loaded, statuses }));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    }),
  ) as { bundledUndici: boolean; loaded: string[]; statuses: number[] };
}

describe('standard preset: what serving loads', () => {
  it("answers its JSON routes without Node's bundled undici, with undici's Pool and prom-client's parts only", () => {
    const files = [
      'undici/index.js',
      'undici/lib/dispatcher/pool.js',
      'prom-client/index.js',
      'prom-client/lib/registry.js',
    ];
    expect(loadedWhenServing(files)).toEqual({
      bundledUndici: false,
      loaded: ['undici/lib/dispatcher/pool.js', 'prom-client/lib/registry.js'],
      statuses: [200, 200, 200, 200],
    });
  });
});

/**
 * The CommonJS files a gateway of the standard preset (metrics on) loads through `import`, in a
 * fresh process: Node scans each with cjs-module-lexer for its export names, work that grows hot
 * enough over a few packages for V8 to optimize the lexer on a worker thread (memory the process
 * keeps). A load hook notes each file Node loads as CommonJS for an import.
 */
function commonJsImported(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cjs-imports-'));
  const list = join(dir, 'imported.txt');
  const hooks = `
    import { appendFileSync } from 'node:fs';
    export async function load(url, context, next) {
      const result = await next(url, context);
      if (result.format === 'commonjs') appendFileSync(${JSON.stringify(list)}, url + '\\n');
      return result;
    }`;
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
    const { createGateway, createLogger } = await import('@switchyard/core');
    const { default: standard } = await import('@switchyard/preset-standard');
    const gateway = await createGateway({ config: ${JSON.stringify({ providers: [openai] })}, presets: [standard()], logger: createLogger({ level: 'silent' }) });
    await gateway.close({ drainDelayMs: 0 });`;
  try {
    writeFileSync(list, '');
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    return readFileSync(list, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((url) => url.slice(url.lastIndexOf('/node_modules/') + 1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('standard preset: CommonJS packages', () => {
  it('are required, never imported (no cjs-module-lexer scan at start)', () => {
    expect(commonJsImported()).toEqual([]);
  });
});
