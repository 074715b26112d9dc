import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { decodeGeminiStream, fromGenerateContent } from '@switchyard/provider-gemini';

const ctx = (warnings: string[] = []) => ({
  fallbackId: 'req-1',
  model: 'gemini-2.5-flash',
  warn: (w: string) => void warnings.push(w),
});

async function* events(bodies: unknown[]): AsyncGenerator<SseEvent> {
  for (const b of bodies) yield { data: JSON.stringify(b) };
}

async function collect(bodies: unknown[], includeUsage = false): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of decodeGeminiStream(events(bodies), ctx(), includeUsage)) out.push(chunk);
  return out;
}

const text = (t: string, finishReason?: string, extra: object = {}) => ({
  candidates: [
    { content: { role: 'model', parts: [{ text: t }] }, index: 0, ...(finishReason ? { finishReason } : {}) },
  ],
  usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'rs1',
  ...extra,
});

describe('Gemini stream decoding', () => {
  it('emits a role chunk, content deltas, a finish chunk and, when asked, a usage chunk', async () => {
    const chunks = await collect([text('Hel'), text('lo', 'STOP')], true);
    expect(chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason ?? null])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hel' }, null],
      [{ content: 'lo' }, null],
      [{}, 'stop'],
      [undefined, null],
    ]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-rs1']));
  });

  it('gives each function call its own tool_calls index and a stable id, and finishes with tool_calls', async () => {
    const call = (name: string, finishReason?: string) => ({
      candidates: [
        {
          content: { role: 'model', parts: [{ functionCall: { name, args: { city: 'Paris' } } }] },
          ...(finishReason ? { finishReason } : {}),
        },
      ],
      responseId: 'rs2',
    });
    const chunks = await collect([call('get_weather'), call('get_time', 'STOP')]);
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      {
        index: 0,
        id: 'call_rs2_0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
      { index: 1, id: 'call_rs2_1', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('keeps candidates apart by index', async () => {
    const two = (a: string, b: string, finishReason?: string) => ({
      candidates: [
        { content: { parts: [{ text: a }] }, index: 0, ...(finishReason ? { finishReason } : {}) },
        { content: { parts: [{ text: b }] }, index: 1, ...(finishReason ? { finishReason } : {}) },
      ],
    });
    const chunks = await collect([two('a', 'b'), two('c', 'd', 'MAX_TOKENS')]);
    const textOf = (i: number) =>
      chunks
        .filter((c) => c.choices[0]?.index === i)
        .map((c) => c.choices[0]!.delta.content ?? '')
        .join('');
    expect(textOf(0)).toBe('ac');
    expect(textOf(1)).toBe('bd');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'length')).toHaveLength(2);
  });

  it('gives the same tool-call ids streamed and not, distinct across candidates', async () => {
    const body = {
      candidates: [0, 1].map((index) => ({
        content: { parts: [{ functionCall: { name: 'f', args: { i: index } } }] },
        index,
        finishReason: 'STOP',
      })),
      responseId: 'rs4',
    };
    const streamed = (await collect([body])).flatMap((c) => (c.choices[0]?.delta.tool_calls ?? []).map((t) => t.id));
    const whole = fromGenerateContent(body, ctx()).choices.map((c) => c.message.tool_calls![0]!.id);
    expect(streamed).toEqual(['call_rs4_0', 'call_rs4_1_0']);
    expect(whole).toEqual(streamed);
  });

  it('throws when the stream ends without a finishReason', async () => {
    await expect(collect([text('Hel')])).rejects.toThrow(/ended before a finishReason/);
    await expect(collect([])).rejects.toThrow(/ended before a finishReason/);
  });

  it('throws on an error event', async () => {
    await expect(collect([text('Hel'), { error: { code: 500, message: 'boom', status: 'INTERNAL' } }])).rejects.toThrow(
      /boom/,
    );
  });

  it('reports a blocked prompt as content_filter', async () => {
    const chunks = await collect([{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, responseId: 'rs3' }]);
    expect(chunks.map((c) => c.choices[0]!.finish_reason)).toEqual([null, 'content_filter']);
  });
});
