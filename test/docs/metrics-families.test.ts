/**
 * plugins/metrics/README.md lists every family `/metrics` serves, with its type and labels. A
 * gateway of the standard preset (budgets on, so that every plugin reporting a gauge on core's
 * status board is there) must serve exactly those families, and the samples it serves after a
 * streamed request, an answered one and a refused one must carry exactly the labels the table names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { startMockOpenAI } from '../support/mock-openai.js';
import type { MockOpenAI } from '../support/mock-openai.js';
import { metricsAfter, parseSamples } from '../support/prometheus.js';

const README = readFileSync(join(import.meta.dirname, '../../plugins/metrics/README.md'), 'utf8');

interface Row {
  readonly type: string;
  readonly labels: string[];
}

/** The families table: `switchyard_*` name → type and labels. */
function documentedFamilies(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of README.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`(switchyard_[a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const labels = [...(cells[3] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    rows.set(name, { type: cells[2]!, labels: labels.sort() });
  }
  return rows;
}

let upstream: MockOpenAI;
let gw: RunningGateway;
let text: string;

beforeAll(async () => {
  upstream = await startMockOpenAI({ name: 'docs-metrics' });
  gw = await startGateway({
    providers: [mockProvider('o', upstream.baseUrl, { models: ['gpt-4o-mini'] })],
    plugins: { budgets: { enabled: true } },
  });
  const chat = (body: Record<string, unknown>) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
    }).then((res) => res.text());
  await chat({ model: 'gpt-4o-mini' });
  await chat({ model: 'gpt-4o-mini', stream: true });
  await chat({ model: 'no-such-model' });
  text = await metricsAfter(gw.url, 3);
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe("metrics README's families table", () => {
  it('names every switchyard_* family served, with its type', () => {
    const served = new Map(
      [...text.matchAll(/^# TYPE (switchyard_[a-z_]+) (\w+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const documented = new Map([...documentedFamilies()].map(([name, row]) => [name, row.type] as const));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(served));
  });

  it('names the labels of each family it served samples of', () => {
    const documented = documentedFamilies();
    const seen = new Map<string, Set<string>>();
    for (const sample of parseSamples(text)) {
      const family = sample.name.replace(/_(bucket|sum|count)$/, '');
      if (!documented.has(family)) continue;
      const labels = seen.get(family) ?? new Set<string>();
      for (const label of Object.keys(sample.labels)) if (label !== 'le') labels.add(label);
      seen.set(family, labels);
    }
    expect(seen.size).toBeGreaterThan(10);
    for (const [family, labels] of seen)
      expect([...labels].sort(), `labels of ${family}`).toEqual(documented.get(family)!.labels);
  });
});
