import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createGateway, createLogger } from '@switchyard/core';
import standard from '@switchyard/preset-standard';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe("the standard preset's generated validators", () => {
  it('are those of its schemas today (`npm run build` writes them)', () => {
    expect(() =>
      execFileSync(process.execPath, ['scripts/precompile-validators.mjs', '--check'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('report problems and fill defaults as compiled ones do', async () => {
    const error = await createGateway({
      config: {
        server: { port: '8081', bodyLimit: 'lots' },
        providers: [{ name: 'u', type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 0 }],
        plugins: { 'rate-limit': { defaults: { requestsPerMinute: -1 } }, metrics: { unknown: 1 } },
      },
      presets: [standard()],
      logger: createLogger({ level: 'silent' }),
    }).catch((err: unknown) => err as { problems: string[] });
    expect((error as { problems: string[] }).problems).toEqual([
      'server.bodyLimit: must match pattern "^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$"',
      'providers[0].timeoutMs: must be >= 1',
      'plugins.rate-limit.defaults.requestsPerMinute: must be >= 0',
      'plugins.metrics.unknown: is not a known field',
    ]);
  });
});
