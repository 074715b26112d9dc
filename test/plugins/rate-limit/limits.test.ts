import { describe, expect, it } from 'vitest';
import {
  UNKNOWN_WINDOW_TOKENS,
  chargesFor,
  estimateTokens,
  formatDuration,
  rateLimitHeaders,
  scopesFor,
} from '@switchyard/plugin-rate-limit';
import { PDF_PAGE_TOKENS } from '@switchyard/plugin-models/contract';
import { pdfBase64 } from '../../support/pdf.js';

/** The whole estimate (what the upstream may read beyond the body included). */
const tokensOf = (...args: Parameters<typeof estimateTokens>): number => estimateTokens(...args).tokens;

describe('rate-limit logic', () => {
  it('estimates prompt characters / 4 plus the largest output limit set (max_tokens, max_completion_tokens), else the default', () => {
    const messages = [
      { role: 'user', content: 'x'.repeat(40) },
      { role: 'user', content: [{ type: 'text', text: 'y'.repeat(8) }] },
    ];
    expect(tokensOf({ messages, max_tokens: 100 }, 4, 1024)).toBe(Math.ceil((4 + 40 + 4 + 4 + 8) / 4) + 100); // roles, types and text all count
    expect(
      tokensOf({ messages: [{ role: 'user', content: 'abcd' }], max_completion_tokens: 7, max_tokens: 100 }, 4, 1024),
    ).toBe(2 + 100); // an upstream may read either field
    expect(
      tokensOf({ messages: [{ role: 'user', content: 'abcd' }], max_completion_tokens: 70, max_tokens: 10 }, 4, 1024),
    ).toBe(2 + 70);
    expect(tokensOf({ messages: [] }, 4, 1024)).toBe(1024);
    expect(tokensOf({ input: 'abcdefgh' }, 4, 0)).toBe(2);
    // A Responses request: input and instructions, max_output_tokens.
    expect(tokensOf({ instructions: 'abcd', input: 'abcdefgh', max_output_tokens: 50 }, 4, 1024)).toBe(3 + 50);
    let deep: unknown = 'z'.repeat(1000);
    for (let i = 0; i < 10_000; i++) deep = [deep];
    // Walked without overflowing the stack, and counted however deep (a schema nested deep is read whole).
    expect(tokensOf({ messages: deep, max_tokens: 1 }, 4, 0)).toBe(250 + 1);
  });

  it("reserves a request that sets no output limit its model's limit, else the default, which it is then to be sent", () => {
    const body = { messages: [{ role: 'user', content: 'abcd' }] };
    const known = () => 8000;
    const unknown = () => undefined;
    // Known: the model's limit is reserved; the body shows the default at most (over a limit, it runs alone).
    expect(estimateTokens(body, 4, 1024, { outputLimit: known })).toEqual({
      tokens: 2 + 8000,
      shown: 2 + 1024,
      beyond: 'this request sets no output limit: its model may write up to 8000 tokens',
    });
    expect(estimateTokens(body, 4, 1024, { outputLimit: () => 500 })).toEqual({ tokens: 2 + 500, shown: 2 + 500 });
    // Unknown: the default is reserved, and sent as the request's limit.
    expect(estimateTokens(body, 4, 1024, { outputLimit: unknown })).toEqual({
      tokens: 2 + 1024,
      shown: 2 + 1024,
      sendOutput: 1024,
    });
    // A limit the request sets is reserved as set, and nothing is sent.
    expect(estimateTokens({ ...body, max_tokens: 100 }, 4, 1024, { outputLimit: known })).toEqual({
      tokens: 102,
      shown: 102,
    });
  });

  it('counts an image URL of unknown kind up to the window only where a target reads any file by URL', () => {
    const body = {
      max_tokens: 10,
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://media.example.test/clip' } }] },
      ],
    };
    const window = () => 200_000;
    expect(tokensOf(body, 4, 0, { contextWindow: window, readsAnyUrl: () => true })).toBe(200_010);
    expect(tokensOf(body, 4, 0, { contextWindow: window, readsAnyUrl: () => false })).toBeLessThan(2000);
    expect(tokensOf(body, 4, 0, { contextWindow: window })).toBeLessThan(2000);
  });

  it('counts an inline PDF by its pages, and one whose pages cannot be counted as the context window (2M when none is known)', () => {
    const ask = (data: string) => ({
      max_tokens: 10,
      messages: [
        { role: 'user', content: [{ type: 'file', file: { file_data: `data:application/pdf;base64,${data}` } }] },
      ],
    });
    expect(tokensOf(ask(pdfBase64(3, { objectStreams: true })), 4, 0)).toBe(3 * PDF_PAGE_TOKENS + 10);
    const encrypted = ask(pdfBase64(3, { objectStreams: true, encrypted: true }));
    expect(tokensOf(encrypted, 4, 0, { contextWindow: () => 200_000 })).toBe(200_010);
    expect(tokensOf(encrypted, 4, 0)).toBe(UNKNOWN_WINDOW_TOKENS + 10);
    expect(UNKNOWN_WINDOW_TOKENS).toBe(2_000_000);
    // What the body shows, without the window: its text (an uncounted PDF adds no pages).
    expect(estimateTokens(encrypted, 4, 0, { contextWindow: () => 200_000 }).shown).toBeLessThan(1_000);
  });

  it("counts each advisor call allowed at the advisor model's window and output, 3 calls where max_uses is unset", () => {
    const body = (tool: object) => ({
      messages: [{ role: 'user', content: 'abcd' }],
      max_tokens: 10,
      tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'adv', ...tool }],
    });
    const facts = {
      contextWindow: () => 100_000,
      limitsOf: (model: string) => (model === 'adv' ? { contextWindow: 150_000, outputLimit: 8000 } : {}),
    };
    const own = 100_000 + 10; // the requested model's window, as for any tool whose results it reads
    expect(tokensOf(body({ max_uses: 2 }), 4, 1024, facts)).toBe(own + 2 * (150_000 + 8000));
    expect(tokensOf(body({}), 4, 1024, facts)).toBe(own + 3 * (150_000 + 8000));
    expect(tokensOf(body({ max_uses: 1, max_tokens: 2048 }), 4, 1024, facts)).toBe(own + 150_000 + 2048);
    // An advisor model of unknown window and output limit: the requested model's window, defaultMaxTokens.
    expect(tokensOf(body({ max_uses: 1, model: 'other' }), 4, 1024, facts)).toBe(own + 100_000 + 1024);
  });

  it('opens no glob key × model scope for a name that resolves to nothing (a caller could make up one a request)', () => {
    const own = { requestsPerMinute: 60, models: { '*': { requestsPerDay: 100 }, 'exact-name': { concurrent: 1 } } };
    const routes = (model: string) => (model.startsWith('gpt-') ? [model] : []);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++)
      for (const scope of scopesFor('app', `zq-unknown-${i}`, own, undefined, undefined, routes)) ids.add(scope.id);
    expect([...ids]).toEqual(['key:app']);
    // Names that route keep their scopes, a configured exact name too; without name resolution, globs match as before.
    expect(scopesFor('app', 'gpt-4o', own, undefined, undefined, routes).map((s) => s.id)).toEqual([
      'key:app',
      'key:app|model:gpt-4o',
    ]);
    expect(scopesFor('app', 'exact-name', own, undefined, undefined, routes).map((s) => s.id)).toEqual([
      'key:app',
      'key:app|model:exact-name',
    ]);
    expect(scopesFor('app', 'anything', own).map((s) => s.id)).toEqual(['key:app', 'key:app|model:anything']);
  });

  it("counts a dated snapshot under its model's name too, for an exact limit or a glob", () => {
    const family = (model: string) => (model.startsWith('gpt-4o-20') ? 'gpt-4o' : undefined);
    const exact = { models: { 'gpt-4o': { requestsPerMinute: 1 } } };
    expect(
      scopesFor('app', 'gpt-4o-2024-08-06', exact, undefined, undefined, undefined, family).map((s) => s.id),
    ).toEqual(['key:app', 'key:app|model:gpt-4o']);
    const glob = { models: { 'gpt-4o*': { requestsPerMinute: 1 } } };
    expect(
      scopesFor('app', 'gpt-4o-2024-08-06', glob, undefined, undefined, undefined, family).map((s) => s.id),
    ).toEqual(['key:app', 'key:app|model:gpt-4o-2024-08-06', 'key:app|model:gpt-4o']);
    expect(scopesFor('app', 'gpt-4o-mini', exact, undefined, undefined, undefined, family).map((s) => s.id)).toEqual([
      'key:app',
    ]);
  });

  it('picks the key entry, else auth-provided limits, else defaults, plus matching key × model entries', () => {
    const own = { requestsPerMinute: 1, models: { 'gpt-4o*': { tokensPerMinute: 50 }, 'claude-*': { concurrent: 1 } } };
    expect(scopesFor('app', 'gpt-4o-mini', own, { requestsPerMinute: 9 }, { requestsPerMinute: 99 })).toEqual([
      { id: 'key:app', limits: own },
      { id: 'key:app|model:gpt-4o-mini', limits: { tokensPerMinute: 50 } },
    ]);
    expect(scopesFor('app', 'x', undefined, { requestsPerMinute: 9 }, { requestsPerMinute: 99 })[0]!.limits).toEqual({
      requestsPerMinute: 9,
    });
    expect(scopesFor('app', 'x', undefined, undefined, { requestsPerMinute: 99 })[0]!.limits).toEqual({
      requestsPerMinute: 99,
    });
    expect(scopesFor('app', 'x', undefined, undefined, undefined)).toEqual([]);
    expect(
      chargesFor(
        [{ id: 'key:a', limits: { requestsPerMinute: 5, tokensPerMinute: 100, concurrent: 2, tokensPerDay: 1000 } }],
        { tokens: 42, shown: 42 },
      ),
    ).toEqual([
      { dimension: 'requests', scope: 'key:a', points: 1, limit: 5 },
      { dimension: 'tokens', scope: 'key:a', points: 42, limit: 100 },
      { dimension: 'daily', scope: 'key:a', points: 42, limit: 1000 },
      { dimension: 'concurrent', scope: 'key:a', points: 1, limit: 2 },
    ]);
    // Up to a window larger than a limit its body fits: the whole limit. A body over it: refused as it is.
    const limits = { tokensPerMinute: 100, tokensPerDay: 1000 };
    expect(chargesFor([{ id: 'key:a', limits }], { tokens: 5000, shown: 40 })).toEqual([
      { dimension: 'tokens', scope: 'key:a', points: 100, limit: 100, whole: true },
      { dimension: 'daily', scope: 'key:a', points: 1000, limit: 1000, whole: true },
    ]);
    expect(chargesFor([{ id: 'key:a', limits }], { tokens: 5000, shown: 400 })).toEqual([
      { dimension: 'tokens', scope: 'key:a', points: 5000, limit: 100 },
      { dimension: 'daily', scope: 'key:a', points: 1000, limit: 1000, whole: true },
    ]);
  });

  it('formats x-ratelimit-* headers like OpenAI', () => {
    expect(
      rateLimitHeaders(
        { limit: 10, reading: { used: 11, resetMs: 41_200 } },
        { limit: 1000, reading: { used: 250, resetMs: 400 } },
      ),
    ).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '41.2s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '750',
      'x-ratelimit-reset-tokens': '0.4s',
    });
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(86_400_000)).toBe('24h0m0s');
  });
});
