/**
 * Thinking through the gateway, with the current `@anthropic-ai/sdk` (and the `openai` SDK):
 * signatures reach the Anthropic upstream byte for byte across a tool round trip (the mock refuses a
 * changed one, as the API does), streaming or not, redacted thinking too; a conversation that takes a
 * detour through an OpenAI upstream (thinking converted: budget → reasoning_effort, thinking blocks
 * dropped with a warning) comes back to Anthropic with its signatures intact; an OpenAI caller gets
 * the signed blocks as `reasoning_blocks` and sending them back is enough for Anthropic.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED_THINKING_TRIGGER, startMockAnthropic, type MockAnthropic } from '../support/mock-anthropic.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const ANT_KEY = 'sk-ant-upstream-thinking-0123';
let ant: MockAnthropic;
let oai: MockOpenAI;
let gw: RunningGateway;
let client: Anthropic;
let openaiClient: OpenAI;

beforeAll(async () => {
  ant = await startMockAnthropic({ name: 'ant', apiKey: ANT_KEY });
  oai = await startMockOpenAI({ name: 'oai', apiKey: 'sk-oai-upstream-thinking' });
  gw = await startGateway({
    plugins: { 'circuit-breaker': false, 'load-balancer': false },
    providers: [
      { name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: ANT_KEY, models: ['claude-sonnet-4-5'] },
      {
        name: 'oai',
        type: 'openai',
        baseUrl: oai.baseUrl,
        apiKey: 'sk-oai-upstream-thinking',
        models: ['gpt-5-mini', 'gpt-4o-mini'],
      },
    ],
    models: [{ name: 'detour', targets: ['oai/gpt-5-mini'] }],
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'caller-key', maxRetries: 0 });
  openaiClient = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'caller-key', maxRetries: 0 });
});

afterEach(() => {
  ant.reset();
  oai.reset();
});

afterAll(async () => {
  await gw.close();
  await ant.close();
  await oai.close();
});

const antCalls = () => ant.requests.filter((r) => r.path.startsWith('/v1/messages'));
const oaiCalls = () => oai.requests.filter((r) => r.path.startsWith('/v1/chat/completions'));
const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const thinking = { type: 'enabled', budget_tokens: 2000 } as const;
const ask: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };

/** The follow-up of a tool round trip: the assistant turn as received, then the tool's result. */
function followUp(first: Anthropic.Message): Anthropic.MessageParam[] {
  const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
  return [
    ask,
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
  ];
}

function signatureOf(message: Anthropic.Message): string {
  const block = message.content[0];
  if (block?.type !== 'thinking') throw new Error(`expected a thinking block first, got ${block?.type}`);
  return block.signature;
}

describe('Anthropic SDK with thinking → gateway → Anthropic upstream', () => {
  it('a tool round trip sends the thinking block back byte for byte', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [ask],
    });
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const signature = signatureOf(first);
    const second = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: followUp(first),
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(antCalls().map((c) => c.status)).toEqual([200, 200]);
    const sent = antCalls()[1]!;
    expect(sent.body.messages[1].content[0]).toEqual({
      type: 'thinking',
      thinking: (first.content[0] as Anthropic.ThinkingBlock).thinking,
      signature,
    });
    expect(sent.rawBody).toContain(`"signature":"${signature}"`);
  });

  it('streaming: the signature assembled from signature_delta goes back and verifies', async () => {
    const first = await client.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 4000, thinking, tools: [weather], messages: [ask] })
      .finalMessage();
    const signature = signatureOf(first);
    const second = await client.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 4000, thinking, tools: [weather], messages: followUp(first) })
      .finalMessage();
    expect(second.content.at(-1)).toMatchObject({ type: 'text' });
    expect(antCalls().map((c) => c.status)).toEqual([200, 200]);
    expect(antCalls()[1]!.body.messages[1].content[0].signature).toBe(signature);
  });

  it('redacted thinking goes back as it came', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [{ role: 'user', content: `weather? ${REDACTED_THINKING_TRIGGER}` }],
    });
    expect(first.content[0]!.type).toBe('redacted_thinking');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [
        { role: 'user', content: `weather? ${REDACTED_THINKING_TRIGGER}` },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    expect(antCalls().map((c) => c.status)).toEqual([200, 200]);
    expect(antCalls()[1]!.body.messages[1].content[0]).toEqual(first.content[0]);
  });

  it('the mock would refuse a changed signature: the check the round trips rely on', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [ask],
    });
    const tampered = first.content.map((b) =>
      b.type === 'thinking' ? { ...b, signature: `${b.signature.slice(0, -4)}AAA=` } : b,
    );
    const err = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 4000,
        thinking,
        tools: [weather],
        messages: followUp({ ...first, content: tampered }),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Anthropic.APIError).message).toContain('Invalid `signature`');
  });
});

describe('Anthropic SDK with thinking → gateway → OpenAI upstream', () => {
  it('converts the thinking budget and drops history thinking with a warning; the signatures still verify back at Anthropic', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [ask],
    });
    const signature = signatureOf(first);
    const history = followUp(first);

    const { data: detour, response } = await client.messages
      .create({ model: 'detour', max_tokens: 4000, thinking, tools: [weather], messages: history })
      .withResponse();
    expect(detour.content).toEqual(
      [{ type: 'text', text: 'oai: tool results received' }].map((b) => expect.objectContaining({ type: b.type })),
    );
    const [sent] = oaiCalls();
    expect(sent!.status).toBe(200);
    expect(sent!.body).toMatchObject({ model: 'gpt-5-mini', reasoning_effort: 'low', max_completion_tokens: 4000 });
    expect(sent!.body.max_tokens).toBeUndefined();
    expect(sent!.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(JSON.stringify(sent!.body)).not.toContain(signature);
    const warnings = response.headers.get('x-switchyard-warnings') ?? '';
    expect(warnings).toContain('thinking.budget_tokens approximated as reasoning_effort low');
    expect(warnings).toContain(
      'reasoning blocks in the history dropped (OpenAI Chat Completions takes none back): thinking (anthropic)',
    );

    const back = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking,
      tools: [weather],
      messages: [
        ...history,
        { role: 'assistant', content: detour.content },
        { role: 'user', content: 'Thanks. And tomorrow?' },
      ],
    });
    expect(back.content.at(-1)).toMatchObject({ type: 'text' });
    expect(antCalls().map((c) => c.status)).toEqual([200, 200]);
    expect(antCalls()[1]!.body.messages[1].content[0].signature).toBe(signature);
  });

  it('drops reasoning settings for a model known not to reason', async () => {
    const { response } = await client.messages
      .create({
        model: 'oai/gpt-4o-mini',
        max_tokens: 100,
        thinking: { type: 'adaptive' },
        output_config: { effort: 'high' },
        messages: [{ role: 'user', content: 'hi' }],
      } as never)
      .withResponse();
    expect(oaiCalls()[0]!.body.reasoning_effort).toBeUndefined();
    expect(oaiCalls()[0]!.body.max_tokens).toBe(100);
    expect(response.headers.get('x-switchyard-warnings')).toContain(
      'reasoning_effort high dropped (gpt-4o-mini does not reason)',
    );
  });
});

describe('OpenAI SDK with reasoning → gateway → Anthropic upstream', () => {
  const tool: OpenAI.ChatCompletionTool = {
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  };

  it('gets the signed thinking as reasoning_blocks, and sending the message back is all Anthropic needs', async () => {
    const first = await openaiClient.chat.completions.create({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'low',
      tools: [tool],
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & {
      reasoning_blocks?: Array<Record<string, unknown>>;
      reasoning_content?: string;
    };
    expect(message.reasoning_blocks).toEqual([
      { type: 'thinking', text: message.reasoning_content, signature: expect.any(String), source: 'anthropic' },
    ]);
    const call = message.tool_calls![0]!;
    await openaiClient.chat.completions.create({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'low',
      tools: [tool],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        message as OpenAI.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(antCalls().map((c) => c.status)).toEqual([200, 200]);
    const assistant = antCalls()[1]!.body.messages[1];
    expect(assistant.content[0]).toEqual({
      type: 'thinking',
      thinking: message.reasoning_content,
      signature: message.reasoning_blocks![0]!.signature,
    });
  });

  it('streaming: each block arrives complete with its signature in a reasoning_blocks delta, thinking counted as reasoning tokens', async () => {
    const stream = await openaiClient.chat.completions.create({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hello' }],
    });
    const blocks: unknown[] = [];
    let reasoning = '';
    let emptyReasoning = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { reasoning_blocks?: unknown[]; reasoning_content?: string } | undefined;
      if (delta?.reasoning_blocks) blocks.push(...delta.reasoning_blocks);
      if (delta?.reasoning_content === '') emptyReasoning++;
      if (delta?.reasoning_content) reasoning += delta.reasoning_content;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(blocks).toEqual([{ type: 'thinking', text: reasoning, signature: expect.any(String), source: 'anthropic' }]);
    // Anthropic's empty thinking_delta before the signature makes no chunk.
    expect(emptyReasoning).toBe(0);
    // The mock reports thinking_tokens in message_delta's usage, as Anthropic does.
    const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    expect(reasoningTokens).toBeGreaterThan(0);
    expect(reasoningTokens).toBeLessThan(usage!.completion_tokens);
  });
});
