import { execFileSync } from 'node:child_process';
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
