import { describe, expect, it } from 'vitest';
import { readSse } from '@switchyard/core/stream';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import { decodeGeminiStream } from '@switchyard/provider-gemini';

/**
 * A stream in the shape the Gemini API sends with alt=sse (a thinking model answering in three
 * events): CRLF-framed `data:` lines, one JSON object each, usage in every event, the finishReason
 * and full usage in the last, a thoughtSignature on the first text part, and no end marker.
 */
const WIRE = [
  {
    candidates: [
      { content: { parts: [{ text: 'The capital', thoughtSignature: 'CiQB0e2Kb8s=' }], role: 'model' }, index: 0 },
    ],
    usageMetadata: {
      promptTokenCount: 9,
      totalTokenCount: 9,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
      thoughtsTokenCount: 31,
    },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mdQtaYfLBpbN7M8PkPDp0Qk',
  },
  {
    candidates: [{ content: { parts: [{ text: ' of France is' }], role: 'model' }, index: 0 }],
    usageMetadata: {
      promptTokenCount: 9,
      totalTokenCount: 9,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
      thoughtsTokenCount: 31,
    },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mdQtaYfLBpbN7M8PkPDp0Qk',
  },
  {
    candidates: [{ content: { parts: [{ text: ' Paris.' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: 9,
      candidatesTokenCount: 7,
      totalTokenCount: 47,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
      thoughtsTokenCount: 31,
    },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'mdQtaYfLBpbN7M8PkPDp0Qk',
  },
]
  .map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`)
  .join('');

/** The bytes in awkward pieces: split inside JSON, inside CRLF pairs, inside multi-byte characters. */
async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function decode(text: string, size: number): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  const c = { fallbackId: 'x', model: 'gemini-2.5-flash', warn: () => undefined };
  for await (const chunk of decodeGeminiStream(readSse(pieces(text, size)), c, true)) out.push(chunk);
  return out;
}

describe('Gemini SSE on the wire', () => {
  for (const size of [1, 2, 7, 64, 100_000]) {
    it(`decodes the same chunks whatever the byte boundaries (${size}-byte reads)`, async () => {
      const chunks = await decode(WIRE, size);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('The capital of France is Paris.');
      expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null).filter(Boolean)).toEqual(['stop']);
      expect(chunks.at(-1)!.usage).toEqual({
        prompt_tokens: 9,
        completion_tokens: 38,
        total_tokens: 47,
        completion_tokens_details: { reasoning_tokens: 31 },
      });
      expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-mdQtaYfLBpbN7M8PkPDp0Qk']));
    });
  }

  it('keeps multi-byte characters split across reads intact', async () => {
    const event = { candidates: [{ content: { parts: [{ text: 'Grüße 👋 日本' }] }, finishReason: 'STOP' }] };
    const chunks = await decode(`data: ${JSON.stringify(event)}\r\n\r\n`, 3);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Grüße 👋 日本');
  });

  it('fails when the connection ends mid-stream', async () => {
    await expect(decode(WIRE.slice(0, WIRE.lastIndexOf('data:')), 50)).rejects.toThrow(/ended before a finishReason/);
  });
});
