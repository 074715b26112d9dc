#!/usr/bin/env node
// Writes each plugin's options table into its README, between the markers
//   <!-- options:begin --> and <!-- options:end -->
// from the plugin's own schema (the built package's default export), and for provider plugins
// the table of their instance fields (the package's `instanceFields` export) between
//   <!-- instance-fields:begin --> and <!-- instance-fields:end -->,
// and for each top-level config section a plugin owns (`sections`) its table between
//   <!-- section-<name>:begin --> and <!-- section-<name>:end -->.
// `--check` changes nothing and exits 1 when a README is out of date. Run after `tsc -b`.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const markers = (section) => [`<!-- ${section}:begin -->`, `<!-- ${section}:end -->`];

/** The value schema of a map: `additionalProperties`, or the one pattern of `patternProperties` (TypeBox's Record). */
function mapValue(schema) {
  if (schema.type !== 'object' || schema.properties) return undefined;
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    return schema.additionalProperties;
  const patterns = Object.values(schema.patternProperties ?? {});
  return patterns.length === 1 ? patterns[0] : undefined;
}

/** `integer`, `"a" | "b"`, `string[]`, `map of integer`: a schema's type, escaped later as a table cell. */
function typeOf(schema) {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  // Alternatives beside a `type` only constrain it (e.g. "one of key / keyHash"): the type says it all.
  const alternatives = schema.type === undefined ? (schema.anyOf ?? schema.oneOf) : undefined;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' | ');
  if (schema.type === 'array') {
    const items = schema.items ? typeOf(schema.items) : 'any';
    return items.includes(' | ') ? `(${items})[]` : `${items}[]`;
  }
  const map = mapValue(schema);
  if (map) return `map of ${typeOf(map)}`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return schema.type ?? 'any';
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One row per option, nested objects flattened as `parent.child`, maps as `parent.<name>.child`, arrays as `parent[].child`. */
export function optionRows(schema, prefix = '') {
  const rows = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const hasDefault = property.default !== undefined;
    const fallback = hasDefault
      ? `\`${JSON.stringify(property.default)}\``
      : required.has(name) && !prefix.includes('<')
        ? 'required'
        : '—';
    rows.push(`| \`${path}\` | ${cell(typeOf(property))} | ${cell(fallback)} | ${cell(property.description ?? '')} |`);
    if (property.type === 'object' && property.properties) rows.push(...optionRows(property, `${path}.`));
    const map = mapValue(property);
    if (map?.properties) rows.push(...optionRows(map, `${path}.<name>.`));
    const items = property.items;
    if (property.type === 'array' && items?.type === 'object' && items.properties)
      rows.push(...optionRows(items, `${path}[].`));
  }
  return rows;
}

/** The options table of a plugin schema (`what` names the first column). */
export function optionsTable(schema, what = 'option') {
  const rows = optionRows(schema);
  if (rows.length === 0)
    return what === 'option' ? 'This plugin has no options.' : `This provider type has no ${what}s of its own.`;
  return [`| ${what} | type | default | description |`, '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** README text with the section between `<!-- section:begin -->` and its end marker replaced; undefined when it has no markers. */
export function withSection(readme, section, content) {
  const [BEGIN, END] = markers(section);
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  return `${readme.slice(0, begin + BEGIN.length)}\n${content}\n${readme.slice(end)}`;
}

/** README text with its options section replaced; undefined when it has no markers. */
export function withOptionsTable(readme, schema) {
  return withSection(readme, 'options', optionsTable(schema));
}

/**
 * Every plugin package: its folder, README, plugin (the default export, called when a factory)
 * and, for provider plugins, the schema of their instance fields (the `instanceFields` export).
 */
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
    out.push({ dir, readme: join(dir, 'README.md'), plugin: plugins[0], instanceFields: mod.instanceFields });
  }
  return out;
}

/** The tables a package's README must hold: section name → generated content. */
export function tablesOf({ plugin, instanceFields }) {
  const tables = { options: optionsTable(plugin.schema ?? { type: 'object', properties: {} }) };
  if (instanceFields) tables['instance-fields'] = optionsTable(instanceFields, 'field');
  // Top-level config sections the plugin owns, between <!-- section-<name>:begin/end -->.
  for (const [name, schema] of Object.entries(plugin.sections ?? {}))
    tables[`section-${name}`] = optionsTable({ type: 'object', properties: { [name]: schema } }, 'field');
  return tables;
}

/**
 * READMEs whose tables differ from their schemas, as lines naming each README (relative to the
 * repository) and what is wrong; unless `check`, out-of-date READMEs are rewritten.
 */
export async function syncOptionsTables({ check }) {
  const stale = [];
  for (const pkg of await pluginPackages()) {
    const name = relative(ROOT, pkg.readme);
    const text = await readFile(pkg.readme, 'utf8');
    let next = text;
    const missing = [];
    for (const [section, content] of Object.entries(tablesOf(pkg))) {
      const replaced = withSection(next, section, content);
      if (replaced === undefined) missing.push(markers(section).join(' … '));
      else next = replaced;
    }
    if (missing.length) stale.push(`missing: ${name}: no ${missing.join(', no ')} section`);
    if (next === text) continue;
    stale.push(`${check ? 'out of date' : 'updated'}: ${name}`);
    if (!check) await writeFile(pkg.readme, next);
  }
  return stale;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const check = process.argv.includes('--check');
  const stale = await syncOptionsTables({ check });
  for (const line of stale) console.log(line);
  process.exitCode = stale.some((line) => check || line.startsWith('missing:')) ? 1 : 0;
}
