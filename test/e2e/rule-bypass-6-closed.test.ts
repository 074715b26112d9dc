/**
 * Media a budget priced as if it were the prompt's text, closed. Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import {
  anthropicAt,
  budgeted,
  chatAnswer,
  k,
  messagesAnswer,
  responsesAnswer,
  spendOn,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

const WAV = 'UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=';

describe('audio input, billed at its own rate', () => {
  // Was: audio input tokens are billed at the model's audio rate (gpt-4o-audio-preview: $40 per 1M
  // against $2.50 for text; Gemini 2.5 Flash: $1.00 against $0.30), but the catalog has no audio
  // price and the answer's prompt tokens were charged as text: a budgeted key was charged a
  // sixteenth of its bill. Audio output was refused for want of a price; audio input was not.
  const parts = [
    ['a Chat input_audio part', { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } }],
    [
      'a Chat file part holding an audio data URL',
      { type: 'file', file: { file_data: `data:audio/wav;base64,${WAV}` } },
    ],
    // Gemini reads an image part's URL as a file (fileData), whatever it holds.
    [
      'a Chat image_url naming an audio file',
      { type: 'image_url', image_url: { url: 'https://example.invalid/call.mp3' } },
    ],
  ] as const;

  async function ask(part: object, budgets?: Record<string, unknown>) {
    const up = await startScriptedUpstream((body) =>
      chatAnswer(body.model, { prompt_tokens: 5000, completion_tokens: 10 }),
    );
    const { gw, finished } = await budgeted({
      keys: [
        { name: 'ai', key: k('ai'), budget: { usd: 1, period: 'day' } },
        { name: 'free', key: k('ai-free') },
      ],
      catalog: { m: { pricing: { input: 2.5, output: 10 }, maxOutputTokens: 4000 } },
      providers: [mockProvider('u', up.baseUrl, { models: ['m'] })],
      ...(budgets ? { budgets } : {}),
    });
    const body = {
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'transcribe' }, part] }],
    };
    try {
      const budgetedAnswer = await call(`${gw.url}/v1/chat/completions`, k('ai'), body);
      const reachedBudgeted = up.received.length;
      if (budgetedAnswer.status === 200) await finished.next();
      const unbudgeted = await call(`${gw.url}/v1/chat/completions`, k('ai-free'), body);
      return { budgetedAnswer, reachedBudgeted, unbudgetedStatus: unbudgeted.status };
    } finally {
      await gw.close();
      await up.close();
    }
  }

  it.each(parts)('%s is refused for a budgeted key (unpriced: deny), before the upstream', async (_, part) => {
    const seen = await ask(part);
    expect({ status: seen.budgetedAnswer.status, reached: seen.reachedBudgeted }).toEqual({ status: 400, reached: 0 });
    expect(seen.budgetedAnswer.json.error.code).toBe('constraint_unmet');
    expect(seen.budgetedAnswer.json.error.message).toContain('no price known for the audio input');
    expect(seen.unbudgetedStatus).toBe(200);
  });

  it('with unpriced: free, a budgeted key may send audio', async () => {
    const seen = await ask(parts[0][1], { unpriced: 'free' });
    expect(seen.budgetedAnswer.status, seen.budgetedAnswer.text).toBe(200);
  });

  it('an Anthropic document whose media type is audio is refused for a budgeted key', async () => {
    const up = await startScriptedUpstream((body) =>
      messagesAnswer(body.model, { input_tokens: 5000, output_tokens: 10 }),
    );
    const { gw } = await budgeted({
      keys: [{ name: 'aa', key: k('aa'), budget: { usd: 1, period: 'day' } }],
      catalog: { m: { pricing: { input: 3, output: 15 }, maxOutputTokens: 4000, contextWindow: 200_000 } },
      providers: [anthropicAt(up.baseUrl)],
    });
    try {
      const res = await call(`${gw.url}/v1/messages`, k('aa'), {
        model: 'm',
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'base64', media_type: 'audio/wav', data: WAV } },
              { type: 'text', text: 'transcribe' },
            ],
          },
        ],
      });
      expect({ status: res.status, reached: up.received.length }).toEqual({ status: 400, reached: 0 });
      expect(res.json.error.message).toContain('no price known for the audio input');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('documents given by reference, which the upstream reads whole', () => {
  // Was: a document given by URL or file id is a few characters in the body, so it was reserved a
  // few tokens, and the upstream fetched it and billed it whole: a 500-page PDF by URL is some
  // 300,000 input tokens ($0.60 at the context window of a $3 model) on a $0.05 budget. Now input
  // is reserved up to the context window, as for server tools whose results are read as input.
  async function offer(path: string, body: object, contextWindow?: number) {
    const input = 150_000;
    const up = await startScriptedUpstream((b, at) =>
      at.endsWith('/messages')
        ? messagesAnswer(b.model, { input_tokens: input, output_tokens: 10 })
        : at.endsWith('/responses')
          ? responsesAnswer(b.model, [], { input_tokens: input, output_tokens: 10 })
          : chatAnswer(b.model, { prompt_tokens: input, completion_tokens: 10 }),
    );
    const window = contextWindow ? { contextWindow } : {};
    const gateway = await budgeted({
      keys: [{ name: 'doc', key: k('doc'), budget: { usd: 0.05, period: 'day' }, accountObjects: ['*'] }],
      catalog: { m: { pricing: { input: 3, output: 15 }, maxOutputTokens: 4000, ...window } },
      providers:
        path === '/v1/messages'
          ? [anthropicAt(up.baseUrl)]
          : [mockProvider('u', up.baseUrl, { models: ['m'], responsesApi: path === '/v1/responses' })],
    });
    try {
      return await spendOn(gateway, up, 'doc', path, { model: 'm', ...body });
    } finally {
      await gateway.gw.close();
      await up.close();
    }
  }

  const references = [
    [
      'an Anthropic document with a url source',
      '/v1/messages',
      {
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'url', url: 'https://example.invalid/annual-report.pdf' } },
              { type: 'text', text: 'sum it up' },
            ],
          },
        ],
      },
    ],
    [
      'an Anthropic document with a file source, inside a tool result',
      '/v1/messages',
      {
        max_tokens: 100,
        messages: [
          { role: 'user', content: 'read the report' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'open', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'tu_1',
                content: [{ type: 'document', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } }],
              },
            ],
          },
        ],
      },
    ],
    [
      'a Responses input_file with file_url',
      '/v1/responses',
      {
        max_output_tokens: 100,
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_file', file_url: 'https://example.invalid/files/annual-report' },
              { type: 'input_text', text: 'sum it up' },
            ],
          },
        ],
      },
    ],
    [
      'a Chat file part with file_id',
      '/v1/chat/completions',
      {
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', file: { file_id: 'file-abc123' } },
              { type: 'text', text: 'sum it up' },
            ],
          },
        ],
      },
    ],
    ...[
      ['a PDF', 'https://example.invalid/annual-report.pdf'],
      ['a YouTube video', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ'],
    ].map(
      ([what, url]) =>
        [
          `a Chat image_url naming ${what} (Gemini reads it by URL)`,
          '/v1/chat/completions',
          {
            max_tokens: 100,
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'image_url', image_url: { url } },
                  { type: 'text', text: 'sum it up' },
                ],
              },
            ],
          },
        ] as const,
    ),
  ] as const;

  it.each(references)(
    '%s: input reserved up to the context window does not fit the budget (402)',
    async (_, path, body) => {
      expect(await offer(path, body, 200_000)).toMatchObject({ status: 402, sent: 0, spentUsd: 0 });
    },
  );

  it.each(references)('%s, on a model whose context window is unknown: refused as unpriced', async (_, path, body) => {
    const seen = await offer(path, body);
    expect(seen).toMatchObject({ status: 400, sent: 0, spentUsd: 0 });
    expect(seen.message).toMatch(/no context window known for .*documents given by URL or file id/);
  });

  it('an image given by URL is reserved as an image, not up to the window, and passes a budget it fits', async () => {
    const seen = await offer(
      '/v1/chat/completions',
      {
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'https://example.invalid/images/cat' } },
              { type: 'text', text: 'what is this?' },
            ],
          },
        ],
      },
      200_000,
    );
    expect(seen).toMatchObject({ status: 200, sent: 1 });
  });

  it('a document given inline is reserved at its size, not the window, and passes a budget it fits', async () => {
    const seen = await offer(
      '/v1/messages',
      {
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Revenue rose 4 %.' } },
              { type: 'text', text: 'sum it up' },
            ],
          },
        ],
      },
      200_000,
    );
    // Billed what the upstream reported (150,000 input tokens at $3 per 1M, 10 output at $15), past the reservation.
    expect(seen).toMatchObject({ status: 200, sent: 1 });
    expect(seen.spentUsd).toBeCloseTo(0.45015, 6);
  });
});
