/**
 * pi's offline check can fail: pi's HTTP goes through HTTP(S)_PROXY (its CLI installs undici's
 * EnvHttpProxyAgent), so the deny proxy sees what it reaches for. The model calls pi's `grep`
 * tool on a PATH without ripgrep: offline (`--offline`, PI_OFFLINE=1, as every pi run here), pi
 * says rg is missing and asks nothing of the network; with the offline switches cleared, it
 * reaches for GitHub to download rg, and the proxy records (and refuses) the attempt.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { PI_OFFLINE_ENV, runPi } from '../support/clients/pi.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const KEY = 'sk-upstream-0123456789';
let openai: MockOpenAI;
let proxy: DenyProxy;
/** An empty directory as the whole PATH: no rg (nor anything else) for pi to find. */
let emptyPath: string;

beforeAll(async () => {
  openai = await startMockOpenAI({ apiKey: KEY, chatOnly: true });
  proxy = await startDenyProxy();
  emptyPath = await mkdtemp(join(tmpdir(), 'sy-pi-empty-path-'));
});
afterEach(() => {
  openai.reset();
  proxy.attempts.length = 0;
});
afterAll(async () => {
  await openai.close();
  await proxy.close();
  await rm(emptyPath, { recursive: true, force: true });
});

/** The model calls grep once, then answers by default once the tool result is back. */
function scriptGrepCall(): void {
  openai.setAnswerer((body) =>
    body.messages.at(-1)?.role === 'tool' ? undefined : { toolCalls: [{ name: 'grep', arguments: { pattern: 'x' } }] },
  );
}

const run = (offline: boolean) =>
  runPi({
    baseUrl: openai.baseUrl,
    apiKey: KEY,
    api: 'openai-completions',
    model: 'gpt-4o-mini',
    reasoning: false,
    prompt: 'Search for x',
    tools: ['grep'],
    offline,
    extraEnv: {
      ...proxy.env(),
      PATH: emptyPath,
      ...(offline ? {} : Object.fromEntries(Object.keys(PI_OFFLINE_ENV).map((name) => [name, '']))),
    },
    timeoutMs: CLIENT_HUNG_MS,
  });

describe('deny proxy and pi', () => {
  it('offline, pi reaches for nothing: its grep tool reports ripgrep missing', async () => {
    scriptGrepCall();
    const result = await run(true);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stopReason).toBe('stop');
    expect(result.toolCalls).toEqual([
      expect.objectContaining({ name: 'grep', args: { pattern: 'x' }, isError: true }),
    ]);
    expect(result.toolCalls[0]!.result).toMatch(/ripgrep \(rg\) is not available/);
    expect(proxy.attempts).toEqual([]);
    expect(openai.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('sees pi reach for GitHub to download ripgrep when its offline switches are cleared', async () => {
    scriptGrepCall();
    const result = await run(false);
    expect(result.timedOut).toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.toolCalls).toEqual([expect.objectContaining({ name: 'grep', isError: true })]);
    expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'api.github.com:443' });
  });
});
