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
