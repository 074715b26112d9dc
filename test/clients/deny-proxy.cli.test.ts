/**
 * The offline check can fail: with their network switches turned back on, the real CLIs try to
 * reach hosts other than the mock, and the deny proxy records (and refuses) every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { CLAUDE_CODE_OFFLINE_ENV, runClaudeCode } from '../support/clients/claude-code.js';
import { runCodex } from '../support/clients/codex.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

let anthropic: MockAnthropic;
let openai: MockOpenAI;
let proxy: DenyProxy;

beforeAll(async () => {
  anthropic = await startMockAnthropic({ apiKey: 'k' });
  openai = await startMockOpenAI({ apiKey: 'k' });
  proxy = await startDenyProxy();
});
afterAll(async () => {
  await anthropic.close();
  await openai.close();
  await proxy.close();
});

describe('deny proxy', () => {
  it('sees Claude Code reach for api.anthropic.com when its offline switches are cleared', async () => {
    proxy.attempts.length = 0;
    const cleared = Object.fromEntries(Object.keys(CLAUDE_CODE_OFFLINE_ENV).map((name) => [name, '']));
    const run = await runClaudeCode({
      baseUrl: anthropic.baseUrl,
      apiKey: 'k',
      prompt: 'Say hello',
      extraEnv: { ...proxy.env(), ...cleared },
      timeoutMs: CLIENT_HUNG_MS,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(proxy.attempts).toContainEqual({ kind: 'connect', target: 'api.anthropic.com:443' });
  });

  it('sees Codex reach for its plugin marketplace when plugins are turned back on', async () => {
    proxy.attempts.length = 0;
    const run = await runCodex({
      baseUrl: openai.baseUrl,
      apiKey: 'k',
      prompt: 'Say hello',
      configOverrides: ['features.plugins=true'],
      extraEnv: proxy.env(),
      timeoutMs: CLIENT_HUNG_MS,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(proxy.attempts.map((a) => a.target)).toContain('github.com:443');
  });
});
