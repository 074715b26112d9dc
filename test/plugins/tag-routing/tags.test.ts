import { describe, expect, it } from 'vitest';
import { contextTag, infoTags, nameParts, nameTags, parseTagQuery, TagIndex } from '@switchyard/plugin-tag-routing';
import type { ProviderInstance, Target } from '@switchyard/core';

describe('tags from model names', () => {
  it.each([
    ['gpt-4o-mini', ['gpt', '4o', 'mini', 'vision']],
    ['meta-llama/Llama-3.1-70B-Instruct', ['meta', 'llama', '3', '1', '70b', 'instruct', 'chat']],
    ['qwen2.5-coder:7b', ['qwen2', '5', 'coder', '7b', 'code']],
    ['deepseek-r1-distill-qwen-1.5b', ['deepseek', 'r1', 'distill', 'qwen', '1', '5b', '1.5b']],
    ['mixtral-8x7b-32k', ['mixtral', '8x7b', '32k']],
    ['claude-3-5-haiku@20241022', ['claude', '3', '5', 'haiku', '20241022']],
    ['mistralai/mistral-7b-instruct:free', ['mistralai', 'mistral', '7b', 'instruct', 'free', 'chat']],
    ['qwen2-vl-72b', ['qwen2', 'vl', '72b', 'vision']],
    ['gemma-2-9b-it', ['gemma', '2', '9b', 'it', 'chat']],
    ['text-embedding-3-small', ['text', 'embedding', '3', 'small', 'mini']],
    ['phi-3-mini-128k,instruct', ['phi', '3', 'mini', '128k', 'instruct', 'chat']],
  ])('%s', (model, expected) => {
    const tags = nameTags(model);
    for (const tag of expected) expect(tags).toContain(tag);
    expect(tags.every((t) => t === t.toLowerCase() && t.length > 0)).toBe(true);
  });

  it('does not read sizes or kinds into unrelated parts', () => {
    expect(nameTags('gpt-4o')).not.toContain('mini');
    expect(nameTags('bbq-model')).not.toContain('code');
    expect(nameTags('o3')).toEqual(['o3']);
    expect(nameTags('gemini-2.5-pro')).not.toContain('5b');
    expect(nameTags('kitten-8k')).toContain('8k');
    expect(nameTags('visionary')).not.toContain('vision');
  });

  it('derives tags from model information', () => {
    expect(infoTags({ vision: true, tools: true, structuredOutput: true, contextWindow: 128_000 })).toEqual([
      'vision',
      'tools',
      'json',
      'chat',
      '128k',
    ]);
    expect(infoTags({ contextWindow: 131_072, pricing: { input: 0, output: 0 }, tags: ['Local-GPU'] })).toEqual([
      '128k',
      'free',
      'local-gpu',
    ]);
    expect(infoTags({ embeddings: true })).toEqual(['embedding']);
    expect(infoTags(undefined)).toEqual([]);
    expect([
      contextTag(200_000),
      contextTag(32_768),
      contextTag(1_048_576),
      contextTag(2_097_152),
      contextTag(8191),
    ]).toEqual(['200k', '32k', '1m', '2m', '8k']);
  });

  it('parses queries with exclusions, spaces and empty parts', () => {
    expect(parseTagQuery('Vision, cheap,,!Free , !')).toEqual({ include: ['vision', 'cheap'], exclude: ['free'] });
    expect(parseTagQuery('')).toEqual({ include: [], exclude: [] });
  });
});

function instance(name: string, priority = 1): ProviderInstance {
  return {
    name,
    type: 'openai',
    baseUrl: 'http://127.0.0.1:1',
    priority,
    weight: 1,
    tags: [],
    timeoutMs: 1000,
    headers: {},
    options: {},
  };
}
const target = (inst: string, model: string): Target => ({
  id: `${inst}/${model}`,
  instance: instance(inst),
  model,
  rule: 'tag',
});

describe('TagIndex selection', () => {
  const targets = [target('a', 'm1'), target('a', 'm2'), target('b', 'm3'), target('b', 'm4'), target('c', 'm5')];
  const tags: Record<string, string[]> = {
    'a/m1': ['chat', 'cheap', 'vision'],
    'a/m2': ['chat', 'cheap'],
    'b/m3': ['chat', 'vision', 'free'],
    'b/m4': ['chat', 'cheap', 'vision', 'free'],
    'c/m5': ['code'],
  };
  const index = new TagIndex(targets, (t) => tags[t.id]!);
  const ids = (q: string) => index.select(parseTagQuery(q)).targets.map((t) => t.id);

  it('selects the intersection of every tag, in index order', () => {
    expect(ids('chat')).toEqual(['a/m1', 'a/m2', 'b/m3', 'b/m4']);
    expect(ids('cheap,vision')).toEqual(['a/m1', 'b/m4']);
    expect(ids('vision,cheap,free')).toEqual(['b/m4']);
    expect(ids('code,chat')).toEqual([]);
    expect(ids('nosuchtag')).toEqual([]);
    expect(ids('chat,nosuchtag')).toEqual([]);
  });

  it('removes targets carrying an excluded tag', () => {
    expect(ids('chat,!free')).toEqual(['a/m1', 'a/m2']);
    expect(ids('vision,!cheap')).toEqual(['b/m3']);
    expect(ids('code,!nosuchtag')).toEqual(['c/m5']);
  });

  it('evaluates the most selective tag first and says so', () => {
    const { steps } = index.select(parseTagQuery('chat,vision,free,!cheap'));
    expect(steps).toEqual([
      { tag: 'free', carriers: 2 },
      { tag: 'vision', carriers: 3 },
      { tag: 'chat', carriers: 4 },
      { tag: 'cheap', carriers: 3, exclude: true },
    ]);
  });

  it('holds targets past one 32-bit word', () => {
    const many = Array.from({ length: 100 }, (_, i) => target('x', `m${i}`));
    const big = new TagIndex(many, (t) => (Number(t.model.slice(1)) % 3 === 0 ? ['three', 'all'] : ['all']));
    expect(big.select(parseTagQuery('three')).targets.map((t) => t.model)).toEqual(
      many.filter((_, i) => i % 3 === 0).map((t) => t.model),
    );
    expect(big.select(parseTagQuery('all,!three')).targets).toHaveLength(66);
    expect(big.tagsOf('x/m99')).toEqual(new Set(['three', 'all']));
    expect(big.tagsOf('nope')).toBeUndefined();
  });
});

describe('nameParts', () => {
  it('splits on / : @ - _ , . only, without derived tags', () => {
    expect(nameParts('Org/Model_X-7B:q4@v2,beta.1')).toEqual(['org', 'model', 'x', '7b', 'q4', 'v2', 'beta', '1']);
    expect(nameParts('qwen2-vl-72b')).not.toContain('vision');
  });
});
