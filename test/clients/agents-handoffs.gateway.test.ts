/**
 * The OpenAI Agents SDK, unmodified, running multi-agent workflows THROUGH the gateway to each kind
 * of upstream, on the Responses API (its default) and on Chat Completions, streaming and not:
 * - a handoff: a triage agent calls `transfer_to_Weather_agent` (a function tool with an empty
 *   object schema); the SDK then runs the specialist on the same history (the transfer call and
 *   its output in it) with the specialist's own instructions and tools — a request whose tools no
 *   longer include the one called in its history;
 * - an agent as a tool: an orchestrator calls the specialist as `ask_weather_agent`; the nested run
 *   makes its own round trip with get_weather, and its answer is the tool's output.
 * Every upstream is scripted with one policy: delegate first, then call get_weather, then answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_TOOL,
  HANDOFF_TOOL,
  runMultiAgent,
  SPECIALIST,
  type Delegation,
} from '../support/clients/agents-handoffs.js';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import {
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
} from '../support/clients/responses-bench.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockGemini, type MockGemini } from '../support/mock-gemini.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { scriptSteps, toolStateOf } from '../support/clients/tool-round-trip.js';

const MODEL = 'gpt-5.6-luna';
const ANSWER = 'It is sunny in Paris today.';
const ORCHESTRATED = 'The weather agent says: sunny in Paris.';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

/** Delegate when offered the way to, then get the weather once, then answer. */
function script(bench: Bench): void {
  scriptSteps(bench, ({ offered, called }) => {
    if (offered.includes(HANDOFF_TOOL)) return { calls: [{ name: HANDOFF_TOOL, args: {} }] };
    if (offered.includes(AGENT_TOOL) && !called.includes(AGENT_TOOL))
      return { calls: [{ name: AGENT_TOOL, args: { input: 'What is the weather in Paris?' } }] };
    if (offered.includes('get_weather') && !called.includes('get_weather'))
      return { calls: [{ name: 'get_weather', args: { city: 'Paris' } }] };
    return { text: called.includes(AGENT_TOOL) ? ORCHESTRATED : ANSWER };
  });
}

const CASES = (['Responses', 'Chat Completions'] as const).flatMap((api) =>
  UPSTREAM_KINDS.flatMap((kind) => ([false, true] as const).map((stream) => [api, kind, stream] as const)),
);

describe.each(CASES)('Agents SDK on %s through the gateway to %s (stream: %s)', (api, kind, stream) => {
  const useResponses = api === 'Responses';
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => bench.reset());
  afterAll(() => bench.close());

  const run = (delegation: Delegation) =>
    runMultiAgent({ baseUrl: bench.baseUrl, apiKey: CLIENT_KEY, model: MODEL, delegation, stream, useResponses });

  it('hands off from a triage agent to the specialist, which uses its tool and answers', async () => {
    script(bench);
    const result = await run('handoff');
    expect(result.weatherCalls).toEqual(['Paris']);
    expect(result.lastAgent).toBe(SPECIALIST);
    expect(result.finalOutput).toBe(ANSWER);
    expect(result.itemTypes).toEqual([
      'handoff_call_item',
      'handoff_output_item',
      'tool_call_item',
      'tool_call_output_item',
      'message_output_item',
    ]);
    if (stream) expect(result.textDeltas).toBeGreaterThan(0);
    const calls = bench.calls();
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200]);
    const states = calls.map((c) => toolStateOf(c.body));
    expect(states).toEqual([
      { offered: [HANDOFF_TOOL], called: [] },
      { offered: ['get_weather'], called: [HANDOFF_TOOL] },
      { offered: ['get_weather'], called: [HANDOFF_TOOL, 'get_weather'] },
    ]);
    expect(guard.refused).toEqual([]);
  });

  it('calls the specialist as a tool: a nested round trip, then the answer', async () => {
    script(bench);
    const result = await run('asTool');
    expect(result.weatherCalls).toEqual(['Paris']);
    expect(result.lastAgent).toBe('Orchestrator');
    expect(result.finalOutput).toBe(ORCHESTRATED);
    expect(result.itemTypes).toEqual(['tool_call_item', 'tool_call_output_item', 'message_output_item']);
    const calls = bench.calls();
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(calls.map((c) => toolStateOf(c.body))).toEqual([
      { offered: [AGENT_TOOL], called: [] },
      { offered: ['get_weather'], called: [] },
      { offered: ['get_weather'], called: ['get_weather'] },
      { offered: [AGENT_TOOL], called: [AGENT_TOOL] },
    ]);
    // The nested agent's answer reached the orchestrator's model as the tool's output.
    expect(JSON.stringify(calls[3]!.body)).toContain(ANSWER);
    expect(guard.refused).toEqual([]);
  });
});

/**
 * A handoff across upstreams, the reason to put a gateway under a multi-agent app: the triage agent
 * on OpenAI (Responses), a Chat-Completions-only server or Anthropic, the specialist on Gemini 3.
 * The specialist's history holds the transfer call another model made, with no thought signature;
 * Gemini 3 refuses such a call turn ("Function call is missing a thought_signature") unless it
 * carries the bypass signature Google documents for calls Gemini did not make.
 */
const GEMINI_3 = 'gemini-3-flash-preview';
const CROSS = (['Responses', 'Chat Completions'] as const).flatMap((api) =>
  (['openai', 'chat', 'anthropic'] as const).flatMap((front) =>
    ([false, true] as const).map((stream) => [front, api, stream] as const),
  ),
);

describe('Agents SDK handoff from another upstream to a specialist on Gemini 3', () => {
  let openai: MockOpenAI;
  let chat: MockOpenAI;
  let anthropic: MockAnthropic;
  let gemini: MockGemini;
  let gateway: RunningGateway;
  beforeAll(async () => {
    openai = await startMockOpenAI({ name: 'openai', apiKey: UPSTREAM_KEY });
    chat = await startMockOpenAI({ name: 'chat', apiKey: UPSTREAM_KEY, chatOnly: true });
    anthropic = await startMockAnthropic({ name: 'anthropic', apiKey: UPSTREAM_KEY });
    gemini = await startMockGemini({
      name: 'gemini',
      apiKey: UPSTREAM_KEY,
      models: [GEMINI_3],
      thoughtSignatures: true,
    });
    gateway = await startGateway({
      providers: [
        { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: UPSTREAM_KEY, responsesApi: true },
        { name: 'chat', type: 'openai', baseUrl: chat.baseUrl, apiKey: UPSTREAM_KEY },
        { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.origin, apiKey: UPSTREAM_KEY },
        { name: 'gemini', type: 'gemini', baseUrl: gemini.origin, apiKey: UPSTREAM_KEY, models: [GEMINI_3] },
      ],
      models: [
        { name: 'triage-openai', targets: ['openai/gpt-5.5'] },
        { name: 'triage-chat', targets: ['chat/llama-3.1-8b'] },
        { name: 'triage-anthropic', targets: ['anthropic/claude-sonnet-4-5'] },
        { name: 'specialist', targets: [`gemini/${GEMINI_3}`] },
      ],
      plugins: { auth: { keys: [{ name: 'client', key: CLIENT_KEY }] } },
    });
  });
  afterEach(() => [openai, chat, anthropic, gemini].forEach((m) => m.reset()));
  afterAll(async () => {
    await gateway.close();
    await Promise.all([openai.close(), chat.close(), anthropic.close(), gemini.close()]);
  });

  it.each(CROSS)('triage on %s, the client on %s (stream: %s)', async (front, api, stream) => {
    const bench = { openai: front === 'chat' ? chat : openai, anthropic, gemini } as unknown as Bench;
    script(bench);
    const result = await runMultiAgent({
      baseUrl: `${gateway.url}/v1`,
      apiKey: CLIENT_KEY,
      model: `triage-${front}`,
      specialistModel: 'specialist',
      delegation: 'handoff',
      stream,
      useResponses: api === 'Responses',
    });
    expect(result.weatherCalls).toEqual(['Paris']);
    expect(result.lastAgent).toBe(SPECIALIST);
    expect(result.finalOutput).toBe(ANSWER);
    const calls = gemini.requests.filter((r) => r.method === 'POST');
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    // The transfer call (made by the triage's model) went with the bypass signature; Gemini's own
    // get_weather call came back with the signature Gemini gave it.
    const signatures = calls[1]!.body.contents.flatMap((c: any) =>
      c.parts.filter((p: any) => p.functionCall).map((p: any) => [p.functionCall.name, p.thoughtSignature]),
    );
    expect(signatures).toEqual([
      [HANDOFF_TOOL, 'skip_thought_signature_validator'],
      ['get_weather', expect.not.stringMatching(/^skip_thought_signature_validator$/)],
    ]);
    expect(guard.refused).toEqual([]);
  });
});
