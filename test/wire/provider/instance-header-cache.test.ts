import { describe, expect, it } from 'vitest';
import type { ProviderInstance } from '@switchyard/core';
import { instanceHeaderCache } from '@switchyard/wire-provider';
import { providerInstance } from '../../support/provider-instance.js';

const instance = (options: Record<string, unknown>, name = 'acme-1') =>
  providerInstance({ name, type: 'acme', options });

describe('instanceHeaderCache', () => {
  const built: string[] = [];
  const headersFor = instanceHeaderCache((inst: ProviderInstance) => {
    built.push(inst.name);
    return { 'content-type': 'application/json', 'x-instance': inst.name };
  });

  it('builds the headers once per instance', () => {
    const one = instance({}, 'one');
    const two = instance({}, 'two');
    expect(headersFor(one)).toEqual({ 'content-type': 'application/json', 'x-instance': 'one' });
    expect(headersFor(one)).toEqual({ 'content-type': 'application/json', 'x-instance': 'one' });
    expect(headersFor(two)).toEqual({ 'content-type': 'application/json', 'x-instance': 'two' });
    expect(built).toEqual(['one', 'two']);
  });

  it('hands out a fresh copy per call: editing one request leaves the next untouched', () => {
    const inst = instance({}, 'three');
    const first = headersFor(inst);
    first['x-instance'] = 'edited';
    first.authorization = 'Bearer added';
    const second = headersFor(inst);
    expect(second).not.toBe(first);
    expect(second).toEqual({ 'content-type': 'application/json', 'x-instance': 'three' });
  });
});
