import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { metricsAfter } from '../../support/prometheus.js';

/** A Prometheus text-format parser of its own (a port of Prometheus' Go one), not the helper the other tests use. */
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Array<{ name: string; help: string; type: string; metrics: unknown[] }>;

const APP_KEY = 'gw-test-scrape-key-1';

/** Model names config may hold, each hostile to a careless exposition writer. */
const HOSTILE_MODELS = [
  'quote"model',
  'back\\slash\\',
  'spaced # TYPE fake counter',
  'br{ace}s=",x="y',
  `long-${'x'.repeat(250)}`,
  'ünïcødé-模型-\u00ff\ufffd',
];

/** What a caller sends that nobody configured. */
const CALLER_MODELS = [
  'zq"m',
  'zq\\m\\',
  'zq\nm\r\n# HELP x y',
  'zq{a}m',
  `zq-${'y'.repeat(5000)}`,
  'zq\u0000\u001b[31m',
];

// The exposition format, strictly: name, optional {label="escaped",...}, value, optional timestamp.
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function strictSample(line: string): Sample {
  const m = SAMPLE.exec(line);
  if (!m) throw new Error(`not a valid sample line: ${JSON.stringify(line.slice(0, 300))}`);
  const labels: Record<string, string> = {};
  for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    if (Object.hasOwn(labels, l[1]!)) throw new Error(`label ${l[1]} twice: ${line}`);
    labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return { name: m[1]!, labels, value: Number(m[3]!.replace(/Inf$/, 'Infinity')) };
}

describe('metrics plugin: /metrics parses whatever callers and config names hold', () => {
  let upstream: MockOpenAI;
  let gw: RunningGateway;
  let text: string;

  const chat = (model: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_KEY}`, ...headers },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    }).then(async (res) => ({ status: res.status, text: await res.text() }));

  beforeAll(async () => {
    upstream = await startMockOpenAI({ models: HOSTILE_MODELS });
    gw = await startGateway({
      providers: [mockProvider('u', upstream.baseUrl, { models: HOSTILE_MODELS })],
      plugins: {
        auth: { keys: [{ name: 'team.a:b@c-1', key: APP_KEY, models: ['*'] }] },
        // Unsorted, with a bound twice: one `le` series per distinct bound.
        metrics: { latencyBuckets: [1, 0.5, 1, 2.5], overheadBuckets: [0.001, 0.001] },
      },
    });
    let requests = 0;
    for (const model of HOSTILE_MODELS) {
      const first = await chat(model);
      expect(first.status, first.text).toBe(200);
      expect((await chat(model, {}, { stream: true })).text).toContain('[DONE]');
      requests += 2;
    }
    const hostileHeaders = {
      'x-request-id': 'zq-id"\\{}',
      'x-switchyard-tags': 'zq-a"b,zq-c\\d,{zq-e}',
      'x-session-id': 'zq-s"\\\u00ff',
      'x-switchyard-strategy': 'zq-x"y',
    };
    for (const model of CALLER_MODELS) {
      const res = await chat(model, hostileHeaders);
      expect(res.status).toBeGreaterThanOrEqual(400);
      requests++;
    }
    expect((await chat(HOSTILE_MODELS[0]!, hostileHeaders)).status).toBeGreaterThanOrEqual(200);
    requests++;
    text = await metricsAfter(gw.url, requests);
  });

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('parses with a Prometheus text-format parser, every family typed', () => {
    const families = parsePrometheus(text);
    expect(families.length).toBeGreaterThan(10);
    for (const f of families) {
      expect(f.name, f.name).toMatch(new RegExp(`^${NAME}$`));
      expect(['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY'], f.name).toContain(f.type);
    }
    expect(families.map((f) => f.name)).toContain('switchyard_request_duration_seconds');
  });

  it('writes every line in the strict grammar, HELP and TYPE once per family, no sample twice', () => {
    const help = new Map<string, number>();
    const type = new Map<string, number>();
    const seen = new Set<string>();
    const lines = text.split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline
    for (const line of lines) {
      if (line === '') continue; // blank lines are allowed (between registries)
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (meta) {
        const counts = meta[1] === 'HELP' ? help : type;
        counts.set(meta[2]!, (counts.get(meta[2]!) ?? 0) + 1);
        continue;
      }
      expect(line.startsWith('#'), line).toBe(false);
      const s = strictSample(line);
      const id = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
      expect(seen.has(id), `duplicate series ${id.slice(0, 300)}`).toBe(false);
      seen.add(id);
    }
    for (const [name, n] of [...help, ...type]) expect(n, name).toBe(1);
    expect([...help.keys()].sort()).toEqual([...type.keys()].sort());
  });

  it('keeps label values as config spelled them, and callers’ values out', () => {
    const samples = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map(strictSample);
    const models = new Set(samples.flatMap((s) => (s.labels.model === undefined ? [] : [s.labels.model])));
    for (const model of HOSTILE_MODELS) expect(models.has(model), model.slice(0, 40)).toBe(true);
    expect([...models].sort()).toEqual([...HOSTILE_MODELS, 'other'].sort());
    const keys = new Set(samples.flatMap((s) => (s.labels.key_name === undefined ? [] : [s.labels.key_name])));
    expect([...keys].sort()).toEqual(['anonymous', 'team.a:b@c-1']); // anonymous: bodies refused before auth
    expect(text).not.toContain('zq');
  });

  it('writes histograms with cumulative buckets, ascending `le`, `+Inf` equal to `_count`', () => {
    const samples = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map(strictSample);
    const histograms = new Set(
      text
        .split('\n')
        .flatMap((l) => /^# TYPE (\S+) histogram$/.exec(l)?.[1] ?? [])
        .filter((name) => name.startsWith('switchyard_')),
    );
    expect(histograms.size).toBe(3);
    let checked = 0;
    for (const name of histograms) {
      const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
      const of = (labels: Record<string, string>) => {
        const { le: _, ...rest } = labels;
        const key = JSON.stringify(Object.entries(rest).sort());
        let s = series.get(key);
        if (!s) series.set(key, (s = { buckets: [] }));
        return s;
      };
      for (const s of samples) {
        if (s.name === `${name}_bucket`)
          of(s.labels).buckets.push([Number(s.labels.le!.replace('Inf', 'Infinity')), s.value]);
        else if (s.name === `${name}_count`) of(s.labels).count = s.value;
      }
      for (const [key, s] of series) {
        const les = s.buckets.map(([le]) => le);
        expect(les, key).toEqual([...new Set(les)].sort((a, b) => a - b));
        expect(les.at(-1), key).toBe(Infinity);
        for (let i = 1; i < s.buckets.length; i++)
          expect(s.buckets[i]![1]).toBeGreaterThanOrEqual(s.buckets[i - 1]![1]);
        expect(s.buckets.at(-1)![1], key).toBe(s.count);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(HOSTILE_MODELS.length);
  });
});
