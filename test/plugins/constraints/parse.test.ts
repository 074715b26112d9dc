import { describe, expect, it } from 'vitest';
import { estimateChatTokens } from '@switchyard/plugin-models/contract';
import { chatNeeds, unmetNeed } from '@switchyard/plugin-capabilities';
import { NO_CONSTRAINTS, takeConstraints } from '@switchyard/plugin-constraints';
import { RouterStats } from '@switchyard/plugin-router';

describe('takeConstraints', () => {
  it('returns the shared empty value and leaves the body alone when nothing is asked', () => {
    const body = { model: 'm', messages: [] };
    expect(takeConstraints(body, { 'content-type': 'application/json' })).toBe(NO_CONSTRAINTS);
    expect(body).toEqual({ model: 'm', messages: [] });
  });

  it('merges headers over the body object, unions tags, and strips `switchyard` from the body', () => {
    const body: Record<string, unknown> = {
      model: 'm',
      switchyard: {
        strategy: 'cost',
        tags: ['eu', 'fast'],
        maxCost: 0.5,
        preferLocal: false,
        excludeProviders: 'x, y',
      },
    };
    const c = takeConstraints(body, {
      'x-switchyard-strategy': 'latency',
      'x-switchyard-tags': 'fast,gpu',
      'x-switchyard-prefer-local': '1',
    });
    expect(c).toEqual({
      strategy: 'latency',
      tags: ['eu', 'fast', 'gpu'],
      maxCostPer1k: 0.5,
      preferLocal: true,
      excludeProviders: ['x', 'y'],
    });
    expect('switchyard' in body).toBe(false);
  });

  it('accepts key=value and a/b tags, refuses tags with spaces', () => {
    expect(takeConstraints({}, { 'x-switchyard-tags': 'region=eu, tier/gold' }).tags).toEqual([
      'region=eu',
      'tier/gold',
    ]);
    expect(() => takeConstraints({}, { 'x-switchyard-tags': 'two words' })).toThrow(
      /x-switchyard-tags: "two words" is not a valid name/,
    );
  });
});

describe('request needs', () => {
  it('sees images, tools and json_schema, and estimates characters / 4 plus framing', () => {
    const request = {
      model: 'm',
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'x'.repeat(400) },
            { type: 'image_url' as const, image_url: { url: 'data:,' } },
          ],
        },
      ],
      response_format: { type: 'json_schema' as const, json_schema: { name: 'n' } },
    };
    const needs = chatNeeds(request, estimateChatTokens(request));
    expect(needs).toEqual({ vision: true, tools: false, structuredOutput: true, inputTokens: 100 + 1000 + 3 });
    expect(estimateChatTokens({ model: 'm', messages: [{ role: 'user', content: 'abcd' }] })).toBe(1 + 3);
  });

  it('excludes only on a known false or a known too-small window', () => {
    const needs = { vision: true, tools: true, structuredOutput: true, inputTokens: 5000 };
    expect(unmetNeed(needs, undefined)).toBeUndefined();
    expect(unmetNeed(needs, {})).toBeUndefined();
    expect(
      unmetNeed(needs, { vision: true, tools: true, structuredOutput: true, contextWindow: 8000 }),
    ).toBeUndefined();
    expect(unmetNeed(needs, { vision: true, tools: false })).toBe('tools (function calling)');
    expect(unmetNeed(needs, { contextWindow: 4096 })).toBe('a context window of ~5000 input tokens (estimated)');
  });
});

describe('RouterStats', () => {
  it('stops keeping new targets once full, still answering with a record', () => {
    const stats = new RouterStats(2);
    stats.record('a', { outcome: 'success', latencyMs: 10 });
    stats.record('b', { outcome: 'failure' });
    stats.record('c', { outcome: 'success', latencyMs: 10 });
    expect(stats.size).toBe(2);
    expect(stats.get('c')).toBeUndefined();
    expect(stats.entry('c').requests).toBe(0);
    expect(stats.get('a')).toMatchObject({ requests: 1, successes: 1, latencyMs: 10 });
  });
});
