import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@switchyard/core';
import { until } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fileText(path: string, wanted: string): Promise<string> {
  const read = (): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  return until(() => (read().includes(wanted) ? read() : ''), { what: `"${wanted}" in ${path}` });
}

describe('createLogger', () => {
  it('appends JSON lines to log.file, creating its directory, secrets scrubbed', async () => {
    const file = join(dir, 'nested', 'gateway.log');
    const logger = createLogger({ level: 'info', file });
    const fields = { header: 'Bearer abcdefgh12345678', model: 'm' };
    logger.info(fields, 'hello file');
    logger.flush();
    const line = JSON.parse((await fileText(file, 'hello file')).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello file', header: '[redacted]', model: 'm', service: 'switchyard' });
    expect(fields.header).toBe('Bearer abcdefgh12345678'); // the caller's object is left alone
  });

  it('pretty-prints through pino-pretty with pretty: true', async () => {
    const file = join(dir, 'pretty.log');
    const logger = createLogger({ level: 'info', pretty: true, file });
    logger.info({ requestId: 'r-1' }, 'hello pretty');
    const text = await fileText(file, 'hello pretty');
    expect(text).toMatch(/INFO.*hello pretty/);
    expect(text).toContain('requestId: "r-1"');
    expect(() => JSON.parse(text.trim().split('\n')[0]!)).toThrow();
  });
});

/** A pretty line that starts a record: `[time] LEVEL (...): msg`; any other line is indented under one. */
const RECORD = /^\[[^\]]+\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b/;

describe('createLogger: caller text cannot forge a line', () => {
  const hostile = 'zq-model\n[12:00:00.000] ERROR: forged line\r\u001b[2J\u001b[31mred\u2028sep';

  it('pretty: a message with newlines, carriage returns or ANSI escapes stays on its record line', async () => {
    const file = join(dir, 'forge-pretty.log');
    const logger = createLogger({ level: 'info', pretty: true, file });
    logger.info(`unknown model ${hostile}`);
    logger.warn({ model: hostile, nested: { tag: hostile } }, 'request %s refused', hostile);
    logger.error({ err: new Error(`bad ${hostile}`) }, 'failed');
    logger.info('forge-pretty-done');
    const text = await fileText(file, 'forge-pretty-done');
    const lines = text.split('\n').filter(Boolean);
    const records = lines.filter((l) => !/^\s/.test(l));
    expect(records).toHaveLength(4);
    for (const r of records) expect(r).toMatch(RECORD);
    expect(lines.some((l) => /^\[12:00:00\.000\] ERROR: forged/.test(l))).toBe(false);
    expect([...text].filter((c) => c === '\r' || c === '\u001b')).toEqual([]);
    // U+2028 (no line break to a terminal or to a reader splitting on \n) stays raw only inside quoted fields.
    expect(records.some((r) => r.includes('\u2028'))).toBe(false);
    expect(records[0]).toContain('unknown model zq-model\\n[12:00:00.000] ERROR: forged line\\r');
  });

  it('JSON: one line per record whatever the text holds, and it parses back to the same text', () => {
    const written: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void written.push(line) } });
    logger.info({ model: hostile }, `unknown model ${hostile}`);
    logger.error({ err: new Error(hostile) }, 'failed');
    expect(written).toHaveLength(2);
    for (const line of written) {
      expect(line.endsWith('\n')).toBe(true);
      expect([...line.slice(0, -1)].filter((c) => '\n\r\u001b'.includes(c))).toEqual([]);
    }
    const first = JSON.parse(written[0]!) as Record<string, unknown>;
    expect(first.model).toBe(hostile);
    expect(first.msg).toBe(`unknown model ${hostile}`);
  });
});
