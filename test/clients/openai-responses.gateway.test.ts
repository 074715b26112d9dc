/**
 * The `openai` SDK's Responses API (`responses.create`, `responses.stream`, a tool round trip,
 * structured output, previous_response_id, retrieve and delete), unmodified, THROUGH the gateway
 * to each kind of upstream: OpenAI (Responses, passed through), a Chat-Completions-only
 * compatible server, Anthropic and Gemini. What each upstream received is checked too: exactly
 * one call per client call (no silent retries), with the upstream's own key.
 */
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import {
  callPath,
  CLIENT_KEY,
  startBench,
  UPSTREAM_KEY,
  UPSTREAM_KINDS,
  type Bench,
} from '../support/clients/responses-bench.js';

const MODEL = 'gpt-4o-mini';
const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

/** OpenAI's event order for a text answer (platform.openai.com/docs/api-reference/responses-streaming). */
const TEXT_EVENTS =
  /^response\.created response\.in_progress response\.output_item\.added response\.content_part\.added (response\.output_text\.delta )+response\.output_text\.done response\.content_part\.done response\.output_item\.done response\.completed$/;

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

describe.each(UPSTREAM_KINDS)('openai SDK responses through the gateway to %s', (kind) => {
  let bench: Bench;
  let client: OpenAI;
  beforeAll(async () => {
    bench = await startBench(kind, [MODEL]);
    client = new OpenAI({ baseURL: bench.baseUrl, apiKey: CLIENT_KEY });
  });
  afterEach(() => {
    bench.reset();
    expect(guard.refused).toEqual([]);
  });
  afterAll(() => bench.close());

  const upstreamKey = (headers: Record<string, unknown>): unknown =>
    headers['x-api-key'] ?? headers['x-goog-api-key'] ?? headers.authorization;

  it('responses.create: one upstream call with the upstream key, the answer as a response object', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Say hello' });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(`${kind}: Say hello`);
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    const calls = bench.calls();
    expect(calls.map((c) => [c.status])).toEqual([[200]]);
    expect(calls[0]!.path).toMatch(callPath(kind, false));
    expect(String(upstreamKey(calls[0]!.headers))).toContain(UPSTREAM_KEY);
    // Passed through: the caller's body as sent (no session header or user, so no prompt_cache_key).
    if (kind === 'openai') expect(calls[0]!.body).toEqual({ model: MODEL, input: 'Say hello' });
  });

  it('responses.stream: OpenAI’s event sequence, numbered from 0, and the final response', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'Say hello' });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    expect(events.map((e) => e.type).join(' ')).toMatch(TEXT_EVENTS);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(final.status).toBe('completed');
    const text = final.output
      .flatMap((item) => (item.type === 'message' ? item.content : []))
      .map((part) => (part.type === 'output_text' ? part.text : ''))
      .join('');
    expect(text).toBe(`${kind}: Say hello`);
    expect(bench.calls().map((c) => c.status)).toEqual([200]);
    expect(bench.calls()[0]!.path).toMatch(callPath(kind, true));
  });

  it('a tool round trip: function_call, then function_call_output answered', async () => {
    const first = await client.responses.create({
      model: MODEL,
      input: 'What is the weather in Paris?',
      tools: [weather],
    });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', call_id: expect.any(String) });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ city: 'Paris' });
    const second = await client.responses.create({
      model: MODEL,
      tools: [weather],
      input: [
        { role: 'user', content: 'What is the weather in Paris?' },
        ...first.output,
        {
          type: 'function_call_output',
          call_id: (call as { call_id: string }).call_id,
          output: 'It is sunny in Paris.',
        },
      ],
    });
    expect(second.output_text).toMatch(new RegExp(`^${kind}: `));
    if (kind === 'openai' || kind === 'gemini') expect(second.output_text).toContain('sunny');
    const calls = bench.calls();
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    if (kind === 'chat')
      expect(calls[1]!.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool']);
    if (kind === 'anthropic')
      expect(calls[1]!.body.messages.at(-1).content[0]).toMatchObject({
        type: 'tool_result',
        content: 'It is sunny in Paris.',
      });
  });

  it('structured output: text.format json_schema parsed by the SDK', async () => {
    const Weather = z.object({ city: z.string(), temperature: z.number() });
    const response = await client.responses.parse({
      model: MODEL,
      input: 'Weather in Paris as JSON',
      text: { format: zodTextFormat(Weather, 'weather') },
    });
    expect(Weather.parse(response.output_parsed)).toEqual(response.output_parsed);
    expect(typeof response.output_parsed?.city).toBe('string');
    expect(bench.calls().map((c) => c.status)).toEqual([200]);
  });

  it('models.list: the model name the client uses is listed, in OpenAI’s list shape', async () => {
    const models = await client.models.list();
    expect(models.data.find((m) => m.id === MODEL)).toMatchObject({ id: MODEL, object: 'model' });
    expect(bench.calls()).toEqual([]);
  });

  it('previous_response_id continues the conversation on this upstream; retrieve and delete the kept response', async () => {
    const first = await client.responses.create({ model: MODEL, input: 'My name is Ada.' });
    const second = await client.responses.create({
      model: MODEL,
      input: 'What is my name?',
      previous_response_id: first.id,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toBe(`${kind}: What is my name?`);
    const calls = bench.calls();
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    if (kind === 'openai') {
      // The OpenAI instance that keeps the first response continues it itself.
      expect(calls[1]!.body).toMatchObject({ previous_response_id: first.id, input: 'What is my name?' });
    } else {
      // The gateway sent the whole conversation: the first question, its answer, the new question.
      const sent = JSON.stringify(calls[1]!.body);
      expect(sent).toContain('My name is Ada.');
      expect(sent).toContain(`${kind}: My name is Ada.`);
    }

    const kept = await client.responses.retrieve(first.id);
    expect(kept.id).toBe(first.id);
    expect(kept.output_text).toBe(first.output_text);
    await client.responses.delete(first.id);
    await expect(client.responses.retrieve(first.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(bench.calls()).toHaveLength(2);
  });
});
