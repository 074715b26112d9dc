import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { stringEnum, SwitchyardError } from '@switchyard/core';
import { instanceOptions } from '@switchyard/wire-provider';
import { providerInstance } from '../../support/provider-instance.js';

const instance = (options: Record<string, unknown>, name = 'acme-1') =>
  providerInstance({ name, type: 'acme', options });

describe('instanceOptions', () => {
  const fields = Type.Object(
    {
      path: Type.String({ default: '/v1/chat' }),
      mode: stringEnum(['tool', 'native'], { default: 'tool' }),
      org: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  );
  const optionsOf = instanceOptions(fields);

  it('fills defaults without touching the instance, once per instance', () => {
    const one = instance({ org: 'o' });
    const read = optionsOf(one);
    expect(read).toEqual({ path: '/v1/chat', mode: 'tool', org: 'o' });
    expect(one.options).toEqual({ org: 'o' });
    expect(optionsOf(one)).toBe(read);
    expect(optionsOf(instance({ mode: 'native' }))).toEqual({ path: '/v1/chat', mode: 'native' });
  });

  it('refuses fields that break the schema, naming the instance and the field', () => {
    const bad = instance({ mode: 'json', colour: 'red' });
    expect(() => optionsOf(bad)).toThrow(SwitchyardError);
    expect(() => optionsOf(bad)).toThrow(/^provider instance "acme-1": /);
    expect(() => optionsOf(bad)).toThrow('mode: must be one of "tool", "native"');
    expect(() => optionsOf(bad)).toThrow('colour: is not a known field');
  });
});
