/**
 * core/README.md's Config table gives each core setting with its default. Every `server.*` and
 * `routing.*` field core fills in when a config leaves it out must be a row there, with that default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '@switchyard/core/config';

const README = readFileSync(join(import.meta.dirname, '../../core/README.md'), 'utf8');

/** `section.key` → the default the table gives (cells like `` `server.a` / `b` `` and `` `1` / `2` `` pair up). */
function documentedDefaults(): Record<string, string> {
  const table = README.split('\n## Config\n')[1]!.split('\n## ')[0]!;
  const defaults: Record<string, string> = {};
  for (const line of table.split('\n').filter((l) => /^\| `(server|routing)\./.test(l))) {
    const [, keys, values] = line.split('|').map((cell) => cell.trim());
    const names = keys!.split(' / ').map((k) => k.replace(/`/g, ''));
    const section = names[0]!.split('.')[0]!;
    const shown = values!.split(' / ');
    names.forEach((name, i) => {
      const key = name.includes('.') ? name : `${section}.${name}`;
      defaults[key] = shown.length === names.length ? shown[i]! : values!;
    });
  }
  return defaults;
}

const asShown = (value: unknown): string =>
  Array.isArray(value) ? `\`[${value.join(', ')}]\`` : `\`${String(value)}\``;

describe("core README's config table", () => {
  it('lists every server and routing default core fills in, with its value', async () => {
    const config = (await resolveConfig({})) as unknown as Record<string, Record<string, unknown>>;
    const documented = documentedDefaults();
    const rows: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const section of ['server', 'routing'])
      for (const [name, value] of Object.entries(config[section]!)) {
        const key = `${section}.${name}`;
        rows[key] = documented[key] ?? '(no row)';
        expected[key] = asShown(value);
      }
    expect(rows).toEqual(expected);
  });
});
