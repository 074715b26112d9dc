import { describe, expect, it } from 'vitest';
import type { ProviderInstance } from '@switchyard/core';
import { modelUrl } from '@switchyard/provider-gemini';

const instance = {
  name: 'g',
  type: 'gemini',
  baseUrl: 'http://127.0.0.1:1',
  headers: {},
  options: {},
} as unknown as ProviderInstance;

describe('Gemini model URLs', () => {
  it('percent-encode the model name: it cannot add path segments, a query or a fragment', () => {
    expect(modelUrl(instance, 'gemini-2.0-flash', 'generateContent')).toBe(
      'http://127.0.0.1:1/v1beta/models/gemini-2.0-flash:generateContent',
    );
    const url = modelUrl(instance, 'x/../../admin?key=1#y z', 'generateContent');
    expect(url).toBe('http://127.0.0.1:1/v1beta/models/x%2F..%2F..%2Fadmin%3Fkey%3D1%23y%20z:generateContent');
    expect(new URL(url).pathname).toBe('/v1beta/models/x%2F..%2F..%2Fadmin%3Fkey%3D1%23y%20z:generateContent');
    expect(new URL(url).search).toBe('');
  });
});
