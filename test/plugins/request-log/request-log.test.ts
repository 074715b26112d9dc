import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoutePlan } from '@switchyard/core/routing';
import { createLogger, withOptions } from '@switchyard/core';
import type { Plugin, ProviderInstance, Target } from '@switchyard/core';
import { models } from '@switchyard/plugin-models';
import { protocolOpenAI } from '@switchyard/protocol-openai';
import { openai } from '@switchyard/provider-openai';
import { requestLog, summarizePlan } from '@switchyard/plugin-request-log';
import { startMockOpenAI } from '../../support/mock-openai.js';
import { memoryLogger, mockProvider, startGateway } from '../../support/gateway.js';
import { until } from '../../support/wait.js';

const chatBody = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

/** A gateway of model names, the OpenAI protocol and provider only, with `extra` plugins. */
async function minimalGateway(baseUrl: string, extra: Plugin[] | ReturnType<typeof withOptions>[]) {
  const { logger, lines } = memoryLogger();
  const gw = await startGateway(
    {
      providers: [
        mockProvider('a', baseUrl, { models: ['m'] }),
        mockProvider('b', baseUrl, { models: ['m'], priority: 2 }),
      ],
      models: [{ name: 'two', targets: ['a/m', 'b/m'] }],
    },
    { preset: false, plugins: [models(), protocolOpenAI(), openai(), ...extra], logger },
  );
  const chat = async (model = 'm') => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody.replace('"m"', JSON.stringify(model)),
    });
    await res.text();
    return res;
  };
  return { gw, lines, chat, requestLines: () => lines.filter((l) => l.msg === 'request') };
}

describe('plugin-request-log', () => {
  it('writes one line per routed request from onFinish, with the plan summary and the fields plugins added', async () => {
    const upstream = await startMockOpenAI();
    const costly: Plugin = {
      name: 'costly',
      apply: (g) => g.hooks.onResult.tap('costly', (_r, x) => x.setLogField('costUsd', 0.5)),
    };
    const { gw, chat, requestLines } = await minimalGateway(upstream.baseUrl, [requestLog(), costly]);
    try {
      const res = await chat('two');
      expect(res.status).toBe(200);
      expect(requestLines()).toHaveLength(1);
      expect(requestLines()[0]).toMatchObject({
        level: 30,
        requestId: res.headers.get('x-request-id'),
        model: 'two',
        target: 'a/m',
        route: { found: 2, order: ['a/m', 'b/m'] },
        attempts: 1,
        status: 200,
        costUsd: 0.5,
      });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('names `routeTargets` targets of the order, and writes nothing when left out', async () => {
    const upstream = await startMockOpenAI();
    const named = await minimalGateway(upstream.baseUrl, [withOptions(requestLog(), { routeTargets: 1 })]);
    const without = await minimalGateway(upstream.baseUrl, []);
    try {
      await named.chat('two');
      expect(named.requestLines()[0]).toMatchObject({ route: { found: 2, order: ['a/m'] } });
      expect((await without.chat('two')).status).toBe(200);
      expect(without.requestLines()).toEqual([]);
    } finally {
      await named.gw.close();
      await without.gw.close();
      await upstream.close();
    }
  });

  it('summarizes a plan: counts, exclusions per plugin, the head of the order, who reordered', () => {
    const instance = {
      name: 'i',
      type: 'openai',
      priority: 1,
      weight: 1,
      tags: [],
      local: false,
    } as unknown as ProviderInstance;
    const t = (model: string): Target => ({ id: `i/${model}`, instance, model, rule: 'listed' });
    const plan = new RoutePlan().add('d', [t('a'), t('b'), t('c'), t('d')]);
    plan.permute('s', [3, 3, 9, 1]);
    plan.exclude('f', (x) => x.model === 'b', 'no');
    expect(summarizePlan(plan)).toEqual({
      found: 4,
      excluded: { f: 1 },
      order: ['i/d', 'i/a', 'i/c'],
      orderedBy: ['s'],
    });
    expect(summarizePlan(plan, 2).order).toEqual(['i/d', 'i/a']);
  });
});

describe('plugin-request-log: pretty lines (log.pretty) whatever callers send', () => {
  it('keeps one record line per request: caller newlines and ANSI escapes forge none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-request-log-'));
    const file = join(dir, 'pretty.log');
    const upstream = await startMockOpenAI();
    const logger = createLogger({ level: 'info', pretty: true, file });
    const gw = await startGateway({ providers: [mockProvider('u', upstream.baseUrl, { models: ['m'] })] }, { logger });
    const forged = '\n[12:00:00.000] ERROR: forged\r\u001b[2J';
    try {
      const bodies = [
        { model: `m${forged}`, messages: [{ role: 'user', content: 'hi' }] },
        { model: `zq-unknown ${forged.trim()}`, messages: [{ role: 'user', content: 'hi' }] },
        { model: 'm', user: `u${forged}`, metadata: { k: forged }, messages: [{ role: 'user', content: forged }] },
        { model: 'm', switchyard: { tags: [`t${forged}`] }, messages: [{ role: 'user', content: 'hi' }] },
        { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: 'yes\n' },
      ];
      for (const body of bodies) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': 'zq"\\{}[12:00:00.000] ERROR: x' },
          body: JSON.stringify(body),
        });
        await res.text();
      }
      const read = () => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      };
      const text = await until(
        () =>
          read()
            .split('\n')
            .filter((l) => / INFO: request|WARN: request/.test(l)).length >= bodies.length
            ? read()
            : '',
        {
          what: 'a request line per request',
        },
      );
      const records = text.split('\n').filter((l) => l && !/^\s/.test(l));
      for (const r of records) expect(r).toMatch(/^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b/);
      expect(text).toContain('ERROR: forged'); // caller text reached the log, inside quoted fields
      expect(records.filter((r) => r.includes('ERROR: forged'))).toEqual([]);
      expect([...text].filter((c) => c === '\r' || c === '\u001b')).toEqual([]);
    } finally {
      await gw.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
