import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { createGateway, createLogger, definePlugin, mapOf, stringEnum, SwitchyardError } from '@switchyard/core';

const silent = createLogger({ level: 'silent' });

const options = Type.Object(
  {
    mode: stringEnum(['fast', 'safe'], { default: 'safe' }),
    limits: mapOf(Type.Integer({ minimum: 1 }), { default: {} }),
  },
  { additionalProperties: false },
);

async function applied(section: unknown): Promise<unknown> {
  let seen: unknown;
  const plugin = definePlugin({ name: 'helpers', options, apply: (_gateway, o) => void (seen = o) });
  await createGateway({ config: { plugins: { helpers: section } }, plugins: [plugin], logger: silent });
  return seen;
}

async function refusal(section: unknown): Promise<string> {
  const err = await applied(section).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SwitchyardError);
  return (err as SwitchyardError).message;
}

describe('schema helpers', () => {
  it('stringEnum: a wrong value reads "must be one of" with the values', async () => {
    expect(await refusal({ mode: 'quick' })).toContain('plugins.helpers.mode: must be one of "fast", "safe"');
    expect(await applied({ mode: 'fast' })).toEqual({ mode: 'fast', limits: {} });
  });

  it('mapOf: every entry is checked, whatever its name', async () => {
    const message = await refusal({ limits: { 'gpt-4o': 0, 'two\nlines': 0, ok: 2 } });
    expect(message).toContain('plugins.helpers.limits.gpt-4o: must be >= 1');
    expect(message).toContain('plugins.helpers.limits.two\nlines: must be >= 1');
    expect(message).not.toContain('limits.ok');
    expect(await applied({ limits: { ok: 2 } })).toEqual({ mode: 'safe', limits: { ok: 2 } });
  });
});
