/**
 * cli/README.md lists the first-party plugins a `plugins:` section alone loads; the CLI names
 * them too when a section names no known plugin. Under a preset that registers nothing, that
 * hint lists every one of them: the README's list must be the same set.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, writeTemp } from '../support/cli.js';

function readmeKnownNames(): string[] {
  const text = readFileSync(join(ROOT, 'cli/README.md'), 'utf8');
  const list = /Known names: ([^(]+)\(/.exec(text)?.[1];
  expect(list, 'cli/README.md has a "Known names: …" list').toBeDefined();
  return [...list!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
}

describe('cli README: first-party plugins by name', () => {
  it('lists exactly the plugins a section alone loads', async () => {
    const preset = await writeTemp('empty-preset.mjs', "export default () => ({ name: 'empty', plugins: [] });\n");
    const config = await writeTemp('unknown.yaml', 'plugins:\n  no-such-plugin: {}\n');
    const run = await runCli(['config', 'validate', config, '--preset', preset]);
    expect(run.code).toBe(1);
    const hint = /first-party plugins a section alone loads: ([^\n;]+)/.exec(run.stderr)?.[1];
    expect(hint, run.stderr).toBeDefined();
    const loadable = hint!.split(', ').map((name) => name.split(' ')[0]!);
    expect([...readmeKnownNames()].sort()).toEqual([...loadable].sort());
  });
});
