#!/usr/bin/env node
// Writes each plugin's options table into its README, between the markers
//   <!-- options:begin --> and <!-- options:end -->
// from the plugin's own schema (the built package's default export). `--check` changes nothing
// and exits 1 when a README is out of date. Run after `tsc -b`.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const BEGIN = '<!-- options:begin -->';
const END = '<!-- options:end -->';

/** `integer`, `"a" \| "b"`, `string[]`, `{ name → … }`: a schema's type as a table cell. */
function typeOf(schema) {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (schema.type === 'object' && !schema.properties && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return schema.type ?? 'any';
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per option, nested objects flattened as `parent.child`, maps as `parent.<name>.child`. */
export function optionRows(schema, prefix = '') {
  const rows = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const hasDefault = property.default !== undefined;
    const fallback = hasDefault ? `\`${JSON.stringify(property.default)}\`` : required.has(name) && !prefix.includes('<') ? 'required' : '—';
    rows.push(`| \`${path}\` | ${cell(typeOf(property))} | ${cell(fallback)} | ${cell(property.description ?? '')} |`);
    if (property.type === 'object' && property.properties) rows.push(...optionRows(property, `${path}.`));
    const map = property.additionalProperties;
    if (property.type === 'object' && !property.properties && map && typeof map === 'object' && map.properties) rows.push(...optionRows(map, `${path}.<name>.`));
    const items = property.items;
    if (property.type === 'array' && items?.type === 'object' && items.properties) rows.push(...optionRows(items, `${path}[].`));
  }
  return rows;
}

export function optionsTable(schema) {
  const rows = optionRows(schema);
  if (rows.length === 0) return 'This plugin has no options.';
  return ['| option | type | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** README text with its options section replaced; undefined when it has no markers. */
export function withOptionsTable(readme, schema) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  return `${readme.slice(0, begin + BEGIN.length)}\n${optionsTable(schema)}\n${readme.slice(end)}`;
}

/** Every plugin package: its folder, README and plugin (the default export, called when a factory). */
export async function pluginPackages() {
  const out = [];
  for (const name of (await readdir(join(ROOT, 'plugins'))).sort()) {
    const dir = join(ROOT, 'plugins', name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const entry = manifest.exports?.['.']?.import ?? manifest.main;
    if (!entry) continue;
    const mod = await import(pathToFileURL(join(dir, entry)).href);
    const exported = typeof mod.default === 'function' ? mod.default() : mod.default;
    const plugins = (Array.isArray(exported) ? exported : [exported]).filter((p) => p && typeof p.apply === 'function');
    if (plugins.length === 0) continue;
    out.push({ dir, readme: join(dir, 'README.md'), plugin: plugins[0] });
  }
  return out;
}

/** Plugins whose README table differs from their schema (and, unless `check`, rewrites them). */
export async function syncOptionsTables({ check }) {
  const stale = [];
  for (const { readme, plugin } of await pluginPackages()) {
    const text = await readFile(readme, 'utf8');
    const next = withOptionsTable(text, plugin.schema ?? { type: 'object', properties: {} });
    if (next === undefined) {
      stale.push(`${readme}: no ${BEGIN} … ${END} section`);
      continue;
    }
    if (next === text) continue;
    stale.push(readme);
    if (!check) await writeFile(readme, next);
  }
  return stale;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const check = process.argv.includes('--check');
  const stale = await syncOptionsTables({ check });
  for (const line of stale) console.log(line.includes(BEGIN) ? `missing: ${line}` : `${check ? 'out of date' : 'updated'}: ${line}`);
  process.exitCode = check && stale.length ? 1 : 0;
}
