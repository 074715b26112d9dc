/**
 * core/README.md says who taps each hook: the beforeRoute and selectRoute tables (plugin and
 * stage), and the onResult, onFinish, ready and close lists. A gateway with every first-party
 * plugin registered, and configured so that each taps what it can, must tap exactly that.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createLogger, RouteStage } from '@switchyard/core';
import type { Gateway } from '@switchyard/core';
import { otel } from '@switchyard/plugin-otel';
import { strategies } from '@switchyard/plugin-strategies';
import { tagRouting } from '@switchyard/plugin-tag-routing';
import { standard } from '@switchyard/preset-standard';

const README = readFileSync(join(import.meta.dirname, '../../core/README.md'), 'utf8');
const UNREACHABLE = 'http://127.0.0.1:1';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await createGateway({
    config: {
      providers: [
        { name: 'o', type: 'openai', baseUrl: `${UNREACHABLE}/v1`, models: ['m'], discover: true },
        { name: 'a', type: 'anthropic', baseUrl: UNREACHABLE, apiKey: 'test-upstream-key', models: ['claude-x'] },
      ],
      plugins: {
        auth: { keys: [{ name: 'k', key: 'test-gateway-key-0123456789' }], runtimeKeys: true },
        'rate-limit': { defaults: { requestsPerMinute: 10 }, instances: { o: { requestsPerMinute: 10 } } },
        'response-cache': { enabled: true },
        budgets: { global: { usd: 10, period: 'day' } },
      },
    },
    presets: [standard()],
    plugins: [tagRouting(), strategies(), otel()],
    logger: createLogger({ level: 'silent' }),
  });
});

afterAll(() => gateway?.close({ drainDelayMs: 0 }));

/** A tap's plugin as the README names it: the containers taps are their protocol plugin's. */
const pluginOf = (tapName: string): string => tapName.replace(/:containers$/, '');

/** The rows of the table under `### \`<hook>\`` whose header starts `| tapped by | stage |`. */
function tableRows(hook: string): string[][] {
  const section = README.split(`### \`${hook}\``)[1]!.split('\n### ')[0]!;
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| tapped by | stage |'));
  expect(start, `core/README.md has the ${hook} taps table`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').map((cell) => cell.trim()));
  }
  return rows;
}

/** `DISCOVER - 100`, `ORDER + 1000`, `-50`: the stage as a number. */
function stageOf(text: string): number {
  const m = /^(DISCOVER|FILTER|ORDER)?\s*(?:([+-])\s*)?([\d]+)?$/.exec(text.replace(/`/g, ''));
  expect(m, `a stage: ${text}`).not.toBeNull();
  const base = m![1] ? RouteStage[m![1] as keyof typeof RouteStage] : 0;
  const n = m![3] === undefined ? 0 : Number(m![3]);
  return base + (m![2] === '-' ? -n : n);
}

/** The plugins a "tapped by" cell names: a tap name in backticks, else each `plugin-x` (as `x`) or `protocol-x`. */
function namesIn(cell: string): string[] {
  const tap = /`([a-z]+:[a-z]+)`/.exec(cell);
  if (tap) return [tap[1]!];
  return cell.split(',').map((part) =>
    part
      .trim()
      .split(' ')[0]!
      .replace(/^plugin-/, ''),
  );
}

/** Every (plugin, stage) pair the README's table lists for `hook`, sorted. */
function documentedStages(hook: string): string[] {
  return tableRows(hook)
    .flatMap((row) => namesIn(row[1]!).map((name) => `${name} @ ${stageOf(row[2]!)}`))
    .sort();
}

function tappedStages(taps: ReadonlyArray<{ name: string; stage?: number }>): string[] {
  return taps.map((t) => `${pluginOf(t.name)} @ ${t.stage ?? 0}`).sort();
}

/** The plugins a paragraph starting `start` names (`plugin-x` as `x`, `protocol-x`), up to `end`. */
function documentedPlugins(start: string, end: string): string[] {
  const text = README.split(start)[1]!.split(end)[0]!;
  const names = [...text.matchAll(/\b(plugin-[a-z-]+[a-z]|protocol-[a-z]+)\b/g)].map((m) =>
    m[1]!.replace(/^plugin-/, ''),
  );
  return [...new Set(names)].sort();
}

const tappedPlugins = (taps: ReadonlyArray<{ name: string }>): string[] =>
  [...new Set(taps.map((t) => pluginOf(t.name)))].sort();

describe("core README's hook tables name every tap, at its stage", () => {
  it('beforeRoute', () => {
    expect(documentedStages('beforeRoute')).toEqual(tappedStages(gateway.hooks.beforeRoute.taps));
  });

  it('selectRoute', () => {
    expect(documentedStages('selectRoute')).toEqual(tappedStages(gateway.hooks.selectRoute.taps));
  });

  it('onResult and onFinish', () => {
    expect(documentedPlugins('### `onResult`', '### `onFinish`')).toEqual(tappedPlugins(gateway.hooks.onResult.taps));
    expect(documentedPlugins('### `onFinish`', '### `ready`, `close`')).toEqual(
      tappedPlugins(gateway.hooks.onFinish.taps),
    );
  });

  it('ready and close', () => {
    expect(documentedPlugins('`ready`: ', '`close`: ')).toEqual(tappedPlugins(gateway.hooks.ready.taps));
    expect(documentedPlugins('`close`: ', '## The request path')).toEqual(tappedPlugins(gateway.hooks.close.taps));
  });
});
