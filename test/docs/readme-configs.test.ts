/**
 * Every ```yaml block of every README is a config `switchyard config validate` accepts: each is
 * written to a file and checked by the CLI itself (test/support/cli.ts), the same command a reader
 * runs. Which config a block is checked as is decided by its top-level keys:
 *
 * - a block with a `providers:` section is a whole config: it is checked as written;
 * - any other block is a fragment (a `plugins:` section, a catalogue, a store, the log): its
 *   sections are placed into BASE, a minimal valid config holding the two instances the READMEs'
 *   fragments name (`openai-main`, `local-vllm`, as in the root README's config).
 *
 * Every `${VAR}` a block uses is given a placeholder value. The one change made to a block is
 * `store.keyPrefix`, set to a prefix of this test's own (validating a Redis store writes its marker
 * key) and dropped afterwards. A block that is no Switchyard config is listed in NOT_CONFIG with the
 * reason; a stale entry fails.
 *
 * Also: an option the READMEs name in prose as `plugins.<name>.<option>` is a row of that plugin's
 * generated options table (which options-tables.test.ts keeps equal to its schema).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ROOT, runCli, writeTemp } from '../support/cli.js';
import { dropTestKeys, testPrefix } from '../support/tcp-proxy.js';

/** README yaml blocks (`file#n`, n counted from 1 in the file) that are no Switchyard config, and why. */
const NOT_CONFIG: Record<string, string> = {};

const BASE = `providers:
  - { name: openai-main, type: openai, baseUrl: https://api.openai.com/v1, apiKey: sk-test-alpha, models: [gpt-4o-mini, gpt-4o] }
  - { name: local-vllm, type: openai, baseUrl: http://127.0.0.1:8000/v1, models: [llama-3.1-8b], local: true }
`;

interface Block {
  readonly id: string;
  readonly text: string;
}

function readmes(): string[] {
  const files = ['README.md', 'core/README.md', 'cli/README.md'];
  for (const dir of ['plugins', 'presets', 'examples', 'wire'])
    for (const name of readdirSync(join(ROOT, dir))) files.push(`${dir}/${name}/README.md`);
  return files.filter((file) => {
    try {
      readFileSync(join(ROOT, file));
      return true;
    } catch {
      return false;
    }
  });
}

function yamlBlocks(): Block[] {
  return readmes().flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((m, i) => ({
      id: `${file}#${i + 1}`,
      text: m[1]!,
    })),
  );
}

const prefix = testPrefix();
afterAll(() => dropTestKeys(prefix));

/** The config file a block is checked as (see the header), and the environment its `${VAR}`s read. */
function configOf(text: string): { yaml: string; env: Record<string, string>; whole: boolean } {
  const block = parseDocument(text);
  expect(block.errors.map(String), 'the block parses as YAML').toEqual([]);
  const top = block.toJS() as unknown;
  expect(top !== null && typeof top === 'object' && !Array.isArray(top), 'the block is a mapping of sections').toBe(
    true,
  );
  const whole = block.has('providers');
  const doc = whole ? block : parseDocument(BASE);
  if (!whole) for (const key of Object.keys(top as object)) doc.set(key, block.get(key, true));
  if (doc.hasIn(['store', 'type'])) doc.setIn(['store', 'keyPrefix'], prefix);
  const env = Object.fromEntries(
    [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1]!, `placeholder-${m[1]!.toLowerCase()}`]),
  );
  return { yaml: String(doc), env, whole };
}

const blocks = yamlBlocks();

describe('README yaml blocks', () => {
  it('are found (every README is read)', () => {
    expect(blocks.length).toBeGreaterThan(25);
  });

  it('NOT_CONFIG names only blocks that exist', () => {
    const ids = new Set(blocks.map((b) => b.id));
    expect(Object.keys(NOT_CONFIG).filter((id) => !ids.has(id))).toEqual([]);
  });

  for (const block of blocks.filter((b) => !(b.id in NOT_CONFIG)))
    it(`${block.id} is accepted by switchyard config validate`, async () => {
      const { yaml, env, whole } = configOf(block.text);
      const file = await writeTemp('switchyard.config.yaml', yaml);
      const run = await runCli(['config', 'validate', file], env);
      expect(
        { code: run.code, stderr: run.stderr },
        `${whole ? 'whole config' : 'fragment in BASE'}:\n${yaml}`,
      ).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toContain(': valid (');
    });
});

describe('options named in README prose as `plugins.<name>.<option>`', () => {
  it('are rows of the options table of that plugin', () => {
    const named = readmes().flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/`plugins\.([a-z-]+)\.([A-Za-z[\].]+)(?::[^`]*)?`/g)].map(
        (m) => ({ file, plugin: m[1]!, option: m[2]!.replace(/\.$/, '') }),
      ),
    );
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter(({ plugin, option }) => {
      let readme: string;
      try {
        readme = readFileSync(join(ROOT, 'plugins', plugin, 'README.md'), 'utf8');
      } catch {
        return true;
      }
      const table = /<!-- options:begin -->\n([\s\S]*?)<!-- options:end -->/.exec(readme)?.[1] ?? '';
      return !table.includes(`| \`${option}\` |`);
    });
    expect(missing.map(({ file, plugin, option }) => `${file}: plugins.${plugin}.${option}`)).toEqual([]);
  });
});
