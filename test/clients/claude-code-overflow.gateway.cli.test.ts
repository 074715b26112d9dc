/**
 * The real Claude Code CLI (unmodified, offline) through the gateway to an OpenAI upstream aliased
 * under the Claude names it asks for, with a small context window (catalog `contextWindow`): a Read
 * of a big file makes the next prompt too long for every target. The gateway refuses it before any
 * upstream call with Anthropic's "prompt is too long: ~N tokens > M maximum", on which Claude Code
 * compacts the conversation (a summary request that fits) and completes the task.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'fake-switchyard-key';
const OAI_KEY = 'fake-openai-key';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
const WINDOW = 20_000;

let openai: MockOpenAI;
let proxy: DenyProxy;
let gw: RunningGateway;

beforeAll(async () => {
  openai = await startMockOpenAI({ apiKey: OAI_KEY, name: 'openai' });
  proxy = await startDenyProxy();
  gw = await startGateway({
    providers: [{ name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: OAI_KEY, models: ['gpt-4o-mini'] }],
    models: CLAUDE_MODELS.map((name) => ({ name, targets: ['openai/gpt-4o-mini'] })),
    catalog: { 'gpt-4o-mini': { contextWindow: WINDOW } },
    plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
  });
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([openai?.close(), proxy?.close()]);
});

const isToolMessage = (m: any): boolean => m.role === 'tool';

describe('Claude Code through the gateway to a model with a small context window', () => {
  it(
    'compacts the conversation on the gateway\'s "prompt is too long" and completes the task',
    { timeout: TEST_MS },
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'sy-ccovf-'));
      try {
        // ~8,500 tokens: with Claude Code's own ~11,000 (system prompt, tools) over the 20,000 window.
        const file = join(cwd, 'big.txt');
        const lines = Array.from({ length: 500 }, (_, i) => `line ${i}: ${'lorem ipsum dolor sit amet '.repeat(2)}`);
        await writeFile(file, `${lines.join('\n')}\n`);
        openai.setAnswerer((body) => {
          const read = body.messages.some(isToolMessage);
          const last = body.messages.findLast((m: any) => m.role !== 'system');
          // Claude Code's compaction request: the conversation so far, then a user turn asking for a summary.
          if (read && last.role === 'user') return { text: 'SUMMARY: the user asked how many lines big.txt has' };
          if (JSON.stringify(body.messages).includes('SUMMARY:')) return { text: 'big.txt has 500 lines' };
          return { toolCalls: [{ name: 'Read', arguments: { file_path: file } }] };
        });
        const result = await runClaudeCode({
          baseUrl: gw.url,
          apiKey: CALLER_KEY,
          prompt: 'Read big.txt and tell me how many lines it has',
          cwd,
          extraEnv: proxy.env(),
          timeoutMs: CLIENT_HUNG_MS,
        });
        expect(result.timedOut).toBe(false);
        expect(proxy.attempts).toEqual([]);
        expect(result.exitCode, `${result.stderr}\n${result.stdout.slice(-2000)}`).toBe(0);
        expect(result.result).toMatchObject({ subtype: 'success', is_error: false, terminal_reason: 'completed' });
        expect(result.text).toBe('big.txt has 500 lines');
        expect(result.toolCalls).toEqual([expect.objectContaining({ name: 'Read', isError: false })]);
        // Claude Code compacted, automatically, on the gateway's refusal.
        const statuses = result.events.filter((e) => e.type === 'system' && e.subtype === 'status');
        expect(statuses.map((e) => e.status ?? e.compact_result)).toEqual(['compacting', 'success']);
        expect(result.events).toContainEqual(
          expect.objectContaining({
            subtype: 'compact_boundary',
            compact_metadata: expect.objectContaining({ trigger: 'auto' }),
          }),
        );
        // The turn after the Read (the tool result to continue from) was refused by the gateway: it never
        // reached the upstream. The summary requests and the turn after the compaction fit and did.
        const calls = openai.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));
        expect(calls.every((c) => c.status === 200)).toBe(true);
        expect(calls.some((c) => isToolMessage(c.body.messages.findLast((m: any) => m.role !== 'system')))).toBe(false);
        expect(calls.at(-1)!.body.messages.some(isToolMessage)).toBe(false);
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
  );
});
