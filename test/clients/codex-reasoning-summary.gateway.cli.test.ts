/**
 * The real Codex CLI asking for reasoning summaries (`model_reasoning_summary = "detailed"`: the
 * Responses body carries `reasoning: {effort, summary}`) THROUGH the gateway to each kind of
 * upstream. The model's visible reasoning must reach Codex as a reasoning summary, which
 * `codex exec --json` reports as a `reasoning` item: OpenAI's own summary, Claude's thinking
 * text, Gemini's thoughts (which Gemini returns only when asked: `thinkingConfig.includeThoughts`).
 * A Chat-Completions-only upstream returns no reasoning text and is sent no field it refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCodex, type CodexResult } from '../support/clients/codex.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_KEY, startBench, UPSTREAM_KINDS, type Bench } from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const MODEL = 'gpt-5.5';
const COMMAND = 'echo switchyard-shell-ok';

/** The reasoning text each upstream mock shows (none from the Chat-only server). */
const REASONING = {
  openai: 'Working out the answer.',
  anthropic: 'Let me think about this.',
  gemini: 'Thinking it over.',
  chat: undefined,
} as const;

let proxy: DenyProxy;
beforeAll(async () => void (proxy = await startDenyProxy()));
afterAll(() => proxy.close());

function codex(bench: Bench, prompt: string, summary = true): Promise<CodexResult> {
  return runCodex({
    baseUrl: bench.baseUrl,
    apiKey: CLIENT_KEY,
    prompt,
    extraConfig: summary ? ['model_reasoning_summary = "detailed"'] : [],
    extraEnv: proxy.env(),
    timeoutMs: CLIENT_HUNG_MS,
  });
}

/** The finished items Codex reported, as `type` or `type: text` for reasoning. */
function itemsOf(run: CodexResult): string[] {
  return run.events
    .filter((e) => e.type === 'item.completed')
    .map((e) => (e.item.type === 'reasoning' ? `reasoning: ${e.item.text}` : e.item.type));
}

describe.each(UPSTREAM_KINDS)('Codex CLI reasoning summaries through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  const shown = REASONING[kind];

  it(
    'shows the upstream reasoning as a reasoning item before the answer',
    async () => {
      const run = await codex(bench, 'Say hello');
      expectCleanRun(run, proxy);
      expect(itemsOf(run)).toEqual([...(shown ? [`reasoning: ${shown}`] : []), 'agent_message']);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      if (kind === 'gemini')
        expect(calls[0]!.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    },
    CLIENT_HUNG_MS + 60_000,
  );

  it(
    'shows the reasoning of each step of a shell tool round trip',
    async () => {
      bench.openai.setAnswerer((body) =>
        (body.input ?? body.messages).at(-1)?.type === 'function_call_output' || body.messages?.at(-1)?.role === 'tool'
          ? undefined
          : { toolCalls: [{ name: 'exec_command', arguments: { cmd: COMMAND } }] },
      );
      bench.anthropic.setAnswerer((body) =>
        JSON.stringify(body.messages.at(-1).content).includes('tool_result')
          ? undefined
          : { toolCalls: [{ name: 'exec_command', input: { cmd: COMMAND } }] },
      );
      bench.gemini.setAnswerer((body) =>
        body.contents.at(-1).parts.some((p: { functionResponse?: unknown }) => p.functionResponse)
          ? undefined
          : { functionCalls: [{ name: 'exec_command', args: { cmd: COMMAND } }] },
      );
      const run = await codex(bench, 'Run echo');
      expectCleanRun(run, proxy);
      const reasoning = shown ? [`reasoning: ${shown}`] : [];
      expect(itemsOf(run)).toEqual([...reasoning, 'command_execution', ...reasoning, 'agent_message']);
      expect(run.commands[0]!.output).toBe('switchyard-shell-ok\n');
      expect(bench.calls().map((c) => c.status)).toEqual([200, 200]);
    },
    CLIENT_HUNG_MS + 60_000,
  );
});

describe('Codex CLI without reasoning summaries through the gateway to gemini', () => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench('gemini', [MODEL])));
  afterAll(() => bench.close());

  it(
    'asks Gemini for no thoughts',
    async () => {
      const run = await codex(bench, 'Say hello', false);
      expectCleanRun(run, proxy);
      expect(itemsOf(run)).toEqual(['agent_message']);
      expect(bench.calls()[0]!.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 8192 });
    },
    CLIENT_HUNG_MS + 60_000,
  );
});
