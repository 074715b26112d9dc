import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncOptionsTables } from '../../scripts/options-tables.mjs';

const ROOT = join(import.meta.dirname, '../..');

/** Rows of the generated tables (between `<!-- x:begin -->` and `<!-- x:end -->`) of every plugin README. */
function generatedRows(): Array<{ file: string; row: string }> {
  const rows: Array<{ file: string; row: string }> = [];
  for (const name of readdirSync(join(ROOT, 'plugins'))) {
    const file = `plugins/${name}/README.md`;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/<!-- ([a-z-]+):begin -->\n([\s\S]*?)<!-- \1:end -->/g))
      for (const row of m[2]!.split('\n')) if (row.startsWith('| `')) rows.push({ file, row });
  }
  return rows;
}

describe('plugin READMEs', () => {
  it('hold the options and instance-fields tables their schemas generate (`npm run docs` rewrites them)', async () => {
    expect(await syncOptionsTables({ check: true })).toEqual([]);
  });

  it('describe every option and field they list (a schema without a description leaves its row blank)', () => {
    const rows = generatedRows();
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter(({ row }) => /\|\s*\|$/.test(row)).map(({ file, row }) => `${file}: ${row}`)).toEqual([]);
  });
});
