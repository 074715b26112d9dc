// BENCH_PROFILE=1: where a target's CPU went during a measured phase, from the V8 CPU profile its
// child-probe.mjs wrote (.cpuprofile): shares of the busy samples by package and by function.

import { readFileSync } from 'node:fs';

/** The package a script belongs to: a node_modules package, a Switchyard workspace, or a Node internal. */
function packageOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('wasm://')) return '(wasm)'; // undici's HTTP parser (llhttp)
  const inModules = url.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [scope, name] = url.slice(inModules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const workspace = url.match(/\/(core|cli|(?:plugins|wire|presets|examples)\/[^/]+)\/(?:dist|src)\//);
  if (workspace) return workspace[1];
  if (url.startsWith('node:')) {
    const path = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${path.split('/')[0]}`;
  }
  return url.includes('/bench/') ? 'bench' : 'other';
}

function functionOf(callFrame) {
  const { url, functionName, lineNumber } = callFrame;
  const where = !url ? '' : url.startsWith('node:') ? url : `${packageOf(callFrame)}/${url.split('/').pop()}`;
  return `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
}

/** Adds `weight` to `key` in a Map of totals. */
function add(totals, key, weight) {
  totals.set(key, (totals.get(key) ?? 0) + weight);
}

function shares(totals, busy, top) {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, samples]) => ({ name, share: samples / busy }));
}

/**
 * Self-time shares of the busy samples (idle excluded; the garbage collector and `(program)`, V8's
 * own work outside JavaScript, are kept) by package and by function.
 */
export function summarizeProfile(file, { topPackages = 12, topFunctions = 15 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const hits = new Map();
  for (const id of profile.samples) add(hits, id, 1);
  const byPackage = new Map();
  const byFunction = new Map();
  let busy = 0;
  for (const [id, count] of hits) {
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') continue;
    busy += count;
    add(byPackage, packageOf(callFrame), count);
    add(byFunction, functionOf(callFrame), count);
  }
  return {
    file,
    samples: busy,
    packages: shares(byPackage, busy, topPackages),
    functions: shares(byFunction, busy, topFunctions),
  };
}

const percent = (share) => `${(share * 100).toFixed(1)} %`;

/** The printed summary of one row's profile. */
export function profileText(row) {
  const { file, samples, packages, functions } = row.profile;
  return [
    `profile of ${row.scenario} ${row.target}: ${samples} busy samples (${file})`,
    `  by package: ${packages.map((p) => `${p.name} ${percent(p.share)}`).join(', ')}`,
    '  by function (self):',
    ...functions.map((f) => `    ${percent(f.share).padStart(7)}  ${f.name}`),
  ].join('\n');
}
