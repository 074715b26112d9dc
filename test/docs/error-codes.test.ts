/**
 * core/README.md's Errors section lists core's codes (a table of status, class and kind) and the
 * codes each first-party plugin defines (code, status, class); plugins/metrics/README.md lists the
 * `error_type` values (kinds) of `switchyard_errors_total` by class. Each must match the codes
 * the packages define.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreErrors } from '@switchyard/core';
import type { ErrorSpec, Plugin } from '@switchyard/core';
import { otel } from '@switchyard/plugin-otel';
import { strategies } from '@switchyard/plugin-strategies';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { standard } from '@switchyard/preset-standard';

const ROOT = join(import.meta.dirname, '../..');
const CORE_README = readFileSync(join(ROOT, 'core/README.md'), 'utf8');
const METRICS_README = readFileSync(join(ROOT, 'plugins/metrics/README.md'), 'utf8');

/** Kinds no routed request ends with, so `switchyard_errors_total` never counts them, and why. */
const NEVER_COUNTED: Record<string, string> = {
  config: 'refused config: the gateway does not start, or a reload is refused',
  plugin: 'refused registration',
  host_not_allowed: 'the Host / Origin guard answers before any routed endpoint',
  origin_not_allowed: 'the Host / Origin guard answers before any routed endpoint',
  shutting_down: 'only written into streams already under way (200), cut at the end of the shutdown grace',
  key_conflict: 'admin routes only (/admin/keys)',
  key_store_unavailable: 'admin routes only (/admin/keys)',
};

const spec = (s: ErrorSpec): string => `${s.status} ${s.class} ${s.kind}`;

/** Core's codes table: each code (`_X` short for `SWITCHYARD_ERR_X`) with its status, class and kind. */
function documentedCoreCodes(): Record<string, string> {
  const table = CORE_README.split("Core's codes (`CoreErrors`):")[1]!.split('\n## ')[0]!;
  const codes: Record<string, string> = {};
  for (const line of table.split('\n').filter((l) => l.startsWith('| `SWITCHYARD_ERR_'))) {
    const [, names, statuses, cls, kinds] = line.split('|').map((cell) => cell.trim());
    const list = [...names!.matchAll(/`(SWITCHYARD_ERR)?(_[A-Z_]+)`/g)].map((m) => `SWITCHYARD_ERR${m[2]}`);
    const status = statuses!.split(' / ').map((s) => s.split(' ')[0]!);
    const kind = [...kinds!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    list.forEach((code, i) => {
      codes[code] = `${status[Math.min(i, status.length - 1)]} ${cls} ${kind[Math.min(i, kind.length - 1)]}`;
    });
  }
  return codes;
}

/** Every first-party plugin: the standard preset's and those it leaves out. */
function firstPartyPlugins(): Plugin<never>[] {
  const entries = [...standard().plugins, tagRouting(), strategies(), otel()];
  return entries.map((entry) => ('plugin' in entry ? entry.plugin : entry) as Plugin<never>);
}

const pluginCodes = (): ErrorSpec[] => firstPartyPlugins().flatMap((p) => [...(p.errors ?? [])]);

describe("core README's error codes", () => {
  it("core's table gives each of core's codes its status, class and kind", () => {
    const actual = Object.fromEntries(Object.values(CoreErrors).map((s) => [s.code, spec(s)]));
    expect(documentedCoreCodes()).toEqual(actual);
  });

  it("the plugin codes paragraph names every first-party plugin's codes with their status and class", () => {
    const text = CORE_README.split('Plugin codes today:')[1]!.split('\n\n')[0]!;
    const documented = Object.fromEntries(
      [...text.matchAll(/`(SWITCHYARD_ERR_[A-Z_]+)`\s+(\d{3})\s+([a-z]+)/g)].map((m) => [m[1]!, `${m[2]} ${m[3]}`]),
    );
    const actual = Object.fromEntries(pluginCodes().map((s) => [s.code, `${s.status} ${s.class}`]));
    expect(documented).toEqual(actual);
  });
});

describe("metrics README's error types", () => {
  it('lists, under its class, the kind of every code a routed request may end with', () => {
    const table = METRICS_README.split('**Errors** (`switchyard_errors_total`)')[1]!.split('\n\n')[1]!;
    const documented = new Set<string>();
    for (const line of table.split('\n').filter((l) => /^\| `(caller|policy|upstream|gateway)`/.test(l))) {
      const [, cls, kinds] = line.split('|').map((cell) => cell.trim());
      for (const m of kinds!.matchAll(/`([a-z_]+)`/g)) documented.add(`${cls!.replace(/`/g, '')} ${m[1]}`);
    }
    const counted = [...Object.values(CoreErrors), ...pluginCodes()]
      .filter((s) => !(s.kind in NEVER_COUNTED))
      .map((s) => `${s.class} ${s.kind}`);
    // The metrics plugin's own: a caller gone, a stream broken after its first event.
    counted.push('caller client_abort', 'upstream stream_broken');
    expect([...documented].sort()).toEqual([...new Set(counted)].sort());
  });
});
