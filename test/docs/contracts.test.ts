/**
 * core/README.md names every contract and exchange key the packages define: those plugins share
 * in its contracts table (by name), the rest in its list of keys a plugin keeps to itself (by
 * name, or `plugin:*` / `*:value` for a family of them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'core/README.md'), 'utf8');

function sources(): string[] {
  const dirs = [join(ROOT, 'core/src')];
  for (const group of ['plugins', 'wire'])
    for (const name of readdirSync(join(ROOT, group))) dirs.push(join(ROOT, group, name, 'src'));
  return dirs.flatMap((dir) =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name)),
  );
}

/** Names given to `contract<T>('…')` and `exchangeKey<T>('…')` anywhere in the packages. */
function definedNames(): string[] {
  const names = new Set<string>();
  for (const file of sources())
    for (const m of readFileSync(file, 'utf8').matchAll(
      /\b(?:contract|exchangeKey)\s*(?:<[\s\S]*?>)?\(\s*'([a-z:-]+)'/g,
    ))
      names.add(m[1]!);
  return [...names].sort();
}

function tableNames(): Set<string> {
  const table = README.split('### Contracts')[1]!.split('### Contributions')[0]!;
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  return new Set(rows.map((row) => /^\| `[A-Z_]+` \| `([a-z:-]+)` \|/.exec(row)?.[1] ?? row));
}

function privatePatterns(): RegExp[] {
  const list = README.split('Keys a plugin keeps to itself (')[1]!.split(') are named')[0]!;
  return [...list.matchAll(/`([a-z*:-]+)`/g)].map((m) => new RegExp(`^${m[1]!.replace(/\*/g, '[a-z-]+')}$`));
}

describe("core README's contracts", () => {
  it('names every contract and exchange key a package defines', () => {
    const defined = definedNames();
    expect(defined.length).toBeGreaterThan(30);
    const shared = tableNames();
    const kept = privatePatterns();
    const unnamed = defined.filter((name) => !shared.has(name) && !kept.some((p) => p.test(name)));
    expect(unnamed).toEqual([]);
  });

  it('lists in its table only contracts that exist', () => {
    const defined = new Set(definedNames());
    expect([...tableNames()].filter((name) => !defined.has(name))).toEqual([]);
  });
});
