import { describe, expect, it } from 'vitest';
import { MAX_MODEL_LENGTH, modelNameProblem, nonFinitePath } from '../../core/dist/http/request-checks.js';
import { checkAnthropicVersion } from '@switchyard/protocol-anthropic';

describe('model names that may not travel on', () => {
  it('refuses control characters, .. path segments and excess length; passes real names', () => {
    for (const name of [
      'gpt-4o-mini',
      'meta-llama/Llama-3.1-8B-Instruct',
      '@cf/meta/llama-3-8b',
      'models/gemini-2.0-flash',
      'a..b',
      'x/..y',
      'tag:code,!local',
    ]) {
      expect(modelNameProblem(name), name).toBeUndefined();
    }
    expect(modelNameProblem('gpt-4o\r\nX-Injected: 1')).toMatch(/control characters/);
    expect(modelNameProblem('gpt\u0000')).toMatch(/control characters/);
    expect(modelNameProblem('gpt\u007f')).toMatch(/control characters/);
    for (const name of ['..', '../admin', 'up/../../admin/config', 'up/x/..', 'a/../b'])
      expect(modelNameProblem(name), name).toMatch(/"\.\." path segments/);
    expect(modelNameProblem('m'.repeat(MAX_MODEL_LENGTH))).toBeUndefined();
    expect(modelNameProblem('m'.repeat(MAX_MODEL_LENGTH + 1))).toMatch(/at most 256/);
  });
});

describe('non-finite numbers', () => {
  const path = (text: string): string | undefined => nonFinitePath(text, JSON.parse(text));

  it('names the first number JSON.parse read as ±Infinity', () => {
    expect(path('{"max_tokens":1e309}')).toBe('max_tokens');
    expect(path('{"messages":[{"role":"user","x":{"y":[1,-1E+400]}}]}')).toBe('messages[0].x.y[1]');
    expect(path(`{"n":${'9'.repeat(400)}}`)).toBe('n');
  });

  it('passes finite numbers, and digits inside strings', () => {
    expect(path('{"max_tokens":1e308,"t":1.5e-400}')).toBeUndefined();
    expect(path('{"content":"1e309 is Infinity"}')).toBeUndefined();
    expect(path('{"max_tokens":100}')).toBeUndefined();
  });
});

describe('anthropic-version', () => {
  it('knows the versions the Messages API knows; no header is fine; anything else is a 400 naming the header', () => {
    for (const version of ['2023-01-01', '2023-06-01', '2026-10-21'])
      expect(() => checkAnthropicVersion({ 'anthropic-version': version })).not.toThrow();
    expect(() => checkAnthropicVersion({})).not.toThrow();
    for (const version of ['1999-01-01', '2023-06-01, 2023-06-01', '', 'latest']) {
      expect(() => checkAnthropicVersion({ 'anthropic-version': version }), version).toThrow(
        expect.objectContaining({ status: 400, param: 'anthropic-version' }),
      );
    }
  });
});
