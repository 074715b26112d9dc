/**
 * The root README lists the `event` values of the log lines that are not about one request
 * (state changes, start-up and shutdown warnings). Every `event: '<name>'` a package logs must be
 * among them, and the list names no event nothing logs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

function loggedEvents(): string[] {
  const dirs = [join(ROOT, 'core/src'), join(ROOT, 'cli/src')];
  for (const group of ['plugins', 'presets', 'wire'])
    for (const name of readdirSync(join(ROOT, group))) dirs.push(join(ROOT, group, name, 'src'));
  const events = new Set<string>();
  for (const file of dirs.flatMap(sources))
    for (const m of readFileSync(file, 'utf8').matchAll(/\bevent: '([a-z_]+)'/g)) events.add(m[1]!);
  return [...events].sort();
}

function documentedEvents(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const paragraph = readme.split('State changes have their own lines with an')[1]?.split('Secrets are redacted')[0];
  expect(paragraph, 'README.md has the paragraph listing log events').toBeDefined();
  return [...new Set([...paragraph!.matchAll(/`([a-z]+_[a-z_]+)`/g)].map((m) => m[1]!))].sort();
}

describe("root README's log events", () => {
  it('names every event a package logs, and none other', () => {
    const logged = loggedEvents();
    expect(logged.length).toBeGreaterThan(10);
    expect(documentedEvents()).toEqual(logged);
  });
});
