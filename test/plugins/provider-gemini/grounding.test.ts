import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '@switchyard/core/protocol';
import type { SseEvent } from '@switchyard/core/stream';
import { decodeGeminiStream, fromGenerateContent, toGenerateContent } from '@switchyard/wire-gemini';

/** Grounding with Google Search: the request's tool, and the answer's groundingMetadata read back. */
const grounding = {
  webSearchQueries: ['switchyard release', 'switchyard changelog'],
  groundingChunks: [
    { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/a1', title: 'example.com' } },
    { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/b2', title: 'example.org' } },
  ],
  groundingSupports: [{ segment: { startIndex: 0, endIndex: 5, text: 'Found' }, groundingChunkIndices: [0] }],
  searchEntryPoint: { renderedContent: '<div></div>' },
};
const results = [
  { url: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/a1', title: 'example.com' },
  { url: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/b2', title: 'example.org' },
];
const calls = [
  { query: 'switchyard release', results },
  { query: 'switchyard changelog', results: [] },
];

const body = (model: string, extra: object = {}, finishReason?: string) => ({
  candidates: [
    {
      content: { role: 'model', parts: [{ text: 'Found' }] },
      index: 0,
      ...(finishReason ? { finishReason } : {}),
      ...extra,
    },
  ],
  usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 },
  modelVersion: model,
  responseId: 'rs1',
});

const ctx = (model: string, warnings: string[] = []) => ({
  fallbackId: 'req-1',
  model,
  warn: (w: string) => void warnings.push(w),
});

async function* events(bodies: unknown[]): AsyncGenerator<SseEvent> {
  for (const b of bodies) yield { data: JSON.stringify(b) };
}

describe('Gemini grounding with Google Search', () => {
  const opts = { jsonSchema: 'convert', includeThoughts: false } as const;
  const messages = [{ role: 'user' as const, content: 'news?' }];

  it('asks for it from web_search_options, naming the fields it has no equivalent for', () => {
    const warnings: string[] = [];
    const req = toGenerateContent(
      {
        model: 'm',
        messages,
        web_search_options: { user_location: { type: 'approximate', approximate: { city: 'Paris' } } },
      },
      'gemini-2.5-flash',
      opts,
      (w) => warnings.push(w),
    );
    expect(req.tools).toEqual([{ googleSearch: {} }]);
    expect(warnings).toEqual(['web_search_options.user_location has no Gemini equivalent and was dropped']);
  });

  it('does not ask Gemini 1.5 (no google_search tool), nor beside function declarations', () => {
    const warnings: string[] = [];
    const old = toGenerateContent({ model: 'm', messages, web_search_options: {} }, 'gemini-1.5-pro', opts, (w) =>
      warnings.push(w),
    );
    expect(old.tools).toBeUndefined();
    const fn = { type: 'function' as const, function: { name: 'Read', parameters: { type: 'object' } } };
    const both = toGenerateContent(
      { model: 'm', messages, web_search_options: {}, tools: [fn] },
      'gemini-3-pro-preview',
      opts,
      (w) => warnings.push(w),
    );
    expect(both.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: 'Read' })] }]);
    expect(warnings).toEqual([
      'web search dropped (gemini-1.5-pro takes no google_search tool; Gemini 2.0 and later do)',
      'web search dropped (Gemini takes no Google Search beside function declarations)',
    ]);
  });

  it('reads the searches back: one per query, the pages under the first; billed per grounded prompt before Gemini 3', () => {
    const completion = fromGenerateContent(
      body('gemini-2.5-flash', { groundingMetadata: grounding }, 'STOP') as never,
      ctx('gemini-2.5-flash'),
    );
    expect(completion.choices[0]!.message.web_search_calls).toEqual(calls);
    expect(completion.usage!.server_tool_use).toEqual({ web_search_requests: 1 });
  });

  it('bills Gemini 3 per query', () => {
    const completion = fromGenerateContent(
      body('gemini-3-flash-preview', { groundingMetadata: grounding }, 'STOP') as never,
      ctx('gemini-3-flash-preview'),
    );
    expect(completion.usage!.server_tool_use).toEqual({ web_search_requests: 2 });
  });

  it('streams the searches once, though Gemini repeats the grounding, and counts them in the usage chunk', async () => {
    const out: ChatCompletionChunk[] = [];
    const stream = decodeGeminiStream(
      events([
        body('gemini-2.5-flash', { groundingMetadata: grounding }),
        body('gemini-2.5-flash', { groundingMetadata: grounding }, 'STOP'),
      ]),
      ctx('gemini-2.5-flash'),
      true,
    );
    for await (const chunk of stream) out.push(chunk);
    const searched = out.filter((c) => c.choices[0]?.delta.web_search_calls);
    expect(searched.map((c) => c.choices[0]!.delta.web_search_calls)).toEqual([calls]);
    expect(out.at(-1)!.usage!.server_tool_use).toEqual({ web_search_requests: 1 });
  });
});
