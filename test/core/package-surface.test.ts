import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const corePackage = new URL('../../core/package.json', import.meta.url);

/** Core's entry points as its package.json declares them (`.`, `./routing`, …), without `./package.json`. */
async function entryPoints(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(corePackage, 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json');
}

/** The runtime names one entry point exports, imported the way a plugin imports it. */
async function runtimeNames(subpath: string): Promise<string[]> {
  const specifier = subpath === '.' ? '@switchyard/core' : `@switchyard/core/${subpath.slice(2)}`;
  return Object.keys((await import(specifier)) as Record<string, unknown>);
}

describe("core's package surface", () => {
  it('has one entry point per extension surface, each importable by its subpath', async () => {
    expect(await entryPoints()).toEqual(['.', './routing', './protocol', './provider', './stream', './config']);
    for (const subpath of await entryPoints()) expect((await runtimeNames(subpath)).length).toBeGreaterThan(0);
  });

  it('exports each name from one entry point only', async () => {
    const owners = new Map<string, string[]>();
    for (const subpath of await entryPoints())
      for (const name of await runtimeNames(subpath)) owners.set(name, [...(owners.get(name) ?? []), subpath]);
    expect([...owners].filter(([, subpaths]) => subpaths.length > 1)).toEqual([]);
  });

  it('keeps the main entry point to composing gateways and writing plugins', async () => {
    const main = await runtimeNames('.');
    expect(main).toEqual(expect.arrayContaining(['createGateway', 'definePlugin', 'Exchange', 'SwitchyardError']));
    // Each extension surface lives on its own subpath, not on the main entry point.
    for (const name of [
      'RoutePlan',
      'ROUTING_OVERRIDES',
      'ProviderRegistry',
      'UpstreamClient',
      'readSse',
      'loadConfigFile',
    ])
      expect(main).not.toContain(name);
    expect(main.length).toBeLessThanOrEqual(30);
  });
});
