/**
 * What a caller can meet must be in a README: every `x-switchyard-*` header a package reads or
 * writes, and every error `code` it answers with (`publicCode`, and the codes auth's refusals,
 * run-time keys' conflicts and protocol-responses' 400s pass to their helpers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(ext))
    .map((entry) => join(entry.parentPath, entry.name));
}

function packageDirs(): string[] {
  const dirs = ['core', 'cli'];
  for (const group of ['plugins', 'presets', 'wire'])
    for (const name of readdirSync(join(ROOT, group))) dirs.push(`${group}/${name}`);
  return dirs;
}

const sourceText = packageDirs()
  .flatMap((dir) => files(join(ROOT, dir, 'src'), '.ts'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

const readmeText = ['README.md', ...packageDirs().map((dir) => `${dir}/README.md`)]
  .map((file) => {
    try {
      return readFileSync(join(ROOT, file), 'utf8');
    } catch {
      return '';
    }
  })
  .join('\n');

const undocumented = (names: Iterable<string>): string[] =>
  [...new Set(names)].filter((name) => !readmeText.includes(name)).sort();

describe('READMEs name what callers meet', () => {
  it('every x-switchyard-* header', () => {
    const headers = [...sourceText.matchAll(/x-switchyard-[a-z-]*[a-z]/g)].map((m) => m[0]);
    expect(headers.length).toBeGreaterThan(10);
    expect(undocumented(headers)).toEqual([]);
  });

  it('every error code a package answers with', () => {
    const patterns = [
      /publicCode: ?'([a-z_]+)'/g,
      /\brefuse\(\s*[^;]*?'([a-z]+_[a-z_]+)',\s*'[^']*'/g,
      /\bconflict\([^;]*?, '([a-z_]+)'\)/g,
      /\binvalid\([^;]*?, '[^']*', '([a-z_]+)'\)/g,
    ];
    const codes = patterns.flatMap((p) => [...sourceText.matchAll(p)].map((m) => `\`${m[1]!}\``));
    expect(codes.length).toBeGreaterThan(25);
    expect(undocumented(codes)).toEqual([]);
  });
});
