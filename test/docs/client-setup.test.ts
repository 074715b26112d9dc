/**
 * The root README shows how to point Codex CLI at the gateway: a config.toml provider of its own.
 * test/clients runs Codex through the gateway with the provider codexConfig() writes: the README's
 * must name the same fields (the harness's retries aside), on the Responses API, at the gateway's /v1.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codexConfig } from '../support/clients/codex.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** Top-level `key = value` pairs and those of the `[model_providers.<name>]` table the top level selects. */
function provider(toml: string): { selected: string | undefined; fields: Record<string, string> } {
  const top: Record<string, string> = {};
  const tables: Record<string, Record<string, string>> = {};
  let table = top;
  for (const line of toml.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim())) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) table = tables[header[1]!] ??= {};
    const pair = /^([a-z_]+)\s*=\s*(.+)$/.exec(line);
    if (pair) table[pair[1]!] = pair[2]!;
  }
  const selected = top.model_provider?.replace(/"/g, '');
  return { selected, fields: tables[`model_providers.${selected}`] ?? {} };
}

describe("root README's Codex setup", () => {
  it('defines the provider the Codex tests run, on the Responses API at the gateway /v1', () => {
    const block = /```toml\n(# Codex CLI[^]*?)```/.exec(README)?.[1];
    expect(block, 'README.md has the Codex config.toml block').toBeDefined();
    const documented = provider(block!);
    const tested = provider(codexConfig({ baseUrl: 'http://127.0.0.1:8080/v1' }));
    expect(documented.selected).toBeDefined();
    const testOnly = ['request_max_retries', 'stream_max_retries'];
    expect(Object.keys(documented.fields).sort()).toEqual(
      Object.keys(tested.fields)
        .filter((k) => !testOnly.includes(k))
        .sort(),
    );
    expect(documented.fields.wire_api).toBe(tested.fields.wire_api);
    expect(documented.fields.base_url).toBe(tested.fields.base_url);
  });
});

describe("client fixtures README's list of the tests run through the gateway", () => {
  it('names every gateway test in test/clients', () => {
    const text = readFileSync(join(import.meta.dirname, '../fixtures/clients/README.md'), 'utf8');
    const table = text.split('## Through the gateway')[1]!;
    const tests = readdirSync(join(import.meta.dirname, '../clients')).filter((name) => /gateway/.test(name));
    expect(tests.length).toBeGreaterThan(10);
    expect(tests.filter((name) => !table.includes(name))).toEqual([]);
  });
});
