/**
 * Images a tool returns, through the gateway to upstreams of another protocol: Claude Code's Read
 * of a PNG (an image block inside tool_result) and Codex's view_image (an input_image part in
 * function_call_output). Chat tool messages carry text only, so the image follows the tool
 * results in a user message; before, it was dropped and the model answered about an empty result.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { exchangeRecorder, type RecordedAttempt } from '../support/exchange-recorder.js';
import { PNG } from '../support/gemini.js';
import { runClaudeCode } from '../support/clients/claude-code.js';
import { runCodex } from '../support/clients/codex.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_KEY, startBench, type Bench, type UpstreamKind } from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const TEST_MS = CLIENT_HUNG_MS + 30_000;
const CALLER_KEY = 'test-caller-key';
const UPSTREAM_KEY = 'test-upstream-key';
const CLAUDE_MODELS = ['claude-opus-5-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];

let proxy: DenyProxy;
let cwd: string;
let image: string;
beforeAll(async () => {
  proxy = await startDenyProxy();
  cwd = await mkdtemp(join(tmpdir(), 'sy-tool-images-'));
  image = join(cwd, 'shot.png');
  await writeFile(image, Buffer.from(PNG, 'base64'));
});
afterEach(() => void (proxy.attempts.length = 0));
afterAll(async () => {
  await proxy.close();
  await rm(cwd, { recursive: true, force: true });
});

/** The image as each upstream protocol carries it in a user turn. */
const chatImage = { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } };
const geminiImage = { inlineData: { mimeType: 'image/png', data: PNG } };
const anthropicImage = expect.objectContaining({
  type: 'image',
  source: { type: 'base64', media_type: 'image/png', data: PNG },
});

describe('Claude Code reads a PNG through the gateway', () => {
  let openai: MockOpenAI;
  let gemini: MockGemini;
  const gateways: Record<string, { gw: RunningGateway; attempts: RecordedAttempt[] }> = {};

  beforeAll(async () => {
    openai = await startMockOpenAI({ apiKey: UPSTREAM_KEY, name: 'openai' });
    gemini = await startMockGemini({ apiKey: UPSTREAM_KEY, name: 'gemini' });
    const targets = { openai: 'openai/gpt-4o-mini', gemini: 'gemini/gemini-2.5-flash' };
    for (const [name, target] of Object.entries(targets)) {
      const recorder = exchangeRecorder();
      const provider =
        name === 'openai'
          ? { name, type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, models: ['gpt-4o-mini'] }
          : { name, type: 'gemini', baseUrl: gemini.origin, apiKey: UPSTREAM_KEY, models: ['gemini-2.5-flash'] };
      const gw = await startGateway(
        {
          providers: [provider],
          models: CLAUDE_MODELS.map((model) => ({ name: model, targets: [target] })),
          plugins: { auth: { keys: [{ name: 'claude-code', key: CALLER_KEY }] } },
        },
        { plugins: [recorder.plugin] },
      );
      gateways[name] = { gw, attempts: recorder.attempts };
    }
    openai.setAnswerer((body) =>
      body.messages.some((m: any) => m.role === 'tool')
        ? { text: 'seen' }
        : { toolCalls: [{ name: 'Read', arguments: { file_path: image } }] },
    );
    gemini.setAnswerer((body) =>
      body.contents.at(-1).parts.some((p: any) => p.functionResponse)
        ? { text: 'seen' }
        : { functionCalls: [{ name: 'Read', args: { file_path: image } }] },
    );
  });
  afterAll(async () => {
    for (const { gw } of Object.values(gateways)) await gw.close();
    await Promise.all([openai.close(), gemini.close()]);
  });

  it.each(['openai', 'gemini'])(
    'to %s: the image reaches the model after the tool result',
    { timeout: TEST_MS },
    async (name) => {
      const run = await runClaudeCode({
        baseUrl: gateways[name]!.gw.url,
        apiKey: CALLER_KEY,
        prompt: 'Look at shot.png',
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectCleanRun(run, proxy);
      expect(run.toolCalls).toEqual([expect.objectContaining({ name: 'Read', isError: false })]);
      const [, followUp] = gateways[name]!.attempts;
      // What Claude Code sent: the image inside the tool_result.
      const result = (followUp!.body.messages as any[]).at(-1).content.find((b: any) => b.type === 'tool_result');
      expect(result.content).toEqual([anthropicImage]);
      const sent = followUp!.upstreamBody as any;
      if (name === 'openai') {
        const at = sent.messages.findIndex((m: any) => m.role === 'tool');
        expect(sent.messages[at].content).toBe('(attached in the next message)');
        expect(sent.messages[at + 1]).toEqual({
          role: 'user',
          content: [{ type: 'text', text: `Attached to the result of tool call ${result.tool_use_id}:` }, chatImage],
        });
        expect(openai.requests.map((r) => r.status)).toEqual([200, 200]);
      } else {
        const turn = sent.contents.at(-1);
        expect(turn.parts[0]).toMatchObject({ functionResponse: { name: 'Read' } });
        expect(turn.parts).toContainEqual(geminiImage);
        expect(gemini.requests.map((r) => r.status)).toEqual([200, 200]);
      }
      expect(followUp!.warnings).toContain(
        'images and files in tool_result sent in a user message after the tool results (tool messages carry text)',
      );
    },
  );
});

describe.each(['chat', 'anthropic', 'gemini'] as UpstreamKind[])(
  'Codex views a PNG through the gateway to %s',
  (kind) => {
    let bench: Bench;
    beforeAll(async () => {
      bench = await startBench(kind, ['gpt-5.5']);
      const answered = { text: 'seen' };
      bench.openai.setAnswerer((body) =>
        body.messages.some((m: any) => m.role === 'tool')
          ? answered
          : { toolCalls: [{ name: 'view_image', arguments: { path: image } }] },
      );
      bench.anthropic.setAnswerer((body) =>
        body.messages.at(-1).content.some?.((b: any) => b.type === 'tool_result')
          ? answered
          : { toolCalls: [{ name: 'view_image', input: { path: image } }] },
      );
      bench.gemini.setAnswerer((body) =>
        body.contents.at(-1).parts.some((p: any) => p.functionResponse)
          ? answered
          : { functionCalls: [{ name: 'view_image', args: { path: image } }] },
      );
    });
    afterAll(() => bench.close());

    it('the image reaches the model after the tool output', { timeout: TEST_MS }, async () => {
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Look at shot.png',
        cwd,
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectCleanRun(run, proxy);
      expect(run.text).toBe('seen');
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200, 200]);
      const sent = calls[1]!.body;
      switch (kind) {
        case 'chat': {
          const at = sent.messages.findIndex((m: any) => m.role === 'tool');
          const callId = sent.messages[at].tool_call_id;
          expect(sent.messages[at].content).toBe('(attached in the next message)');
          expect(sent.messages[at + 1]).toEqual({
            role: 'user',
            content: [{ type: 'text', text: `Attached to the output of tool call ${callId}:` }, chatImage],
          });
          break;
        }
        case 'anthropic': {
          const turn = sent.messages.at(-1);
          expect(turn.content[0]).toMatchObject({ type: 'tool_result', content: '(attached in the next message)' });
          expect(turn.content.at(-1)).toEqual(anthropicImage);
          break;
        }
        case 'gemini': {
          const turn = sent.contents.at(-1);
          expect(turn.parts[0]).toMatchObject({ functionResponse: { name: 'view_image' } });
          expect(turn.parts).toContainEqual(geminiImage);
          break;
        }
      }
    });
  },
);
