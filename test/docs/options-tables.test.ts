import { describe, expect, it } from 'vitest';
import { syncOptionsTables } from '../../scripts/options-tables.mjs';

describe('plugin READMEs', () => {
  it('hold the options and instance-fields tables their schemas generate (`npm run docs` rewrites them)', async () => {
    expect(await syncOptionsTables({ check: true })).toEqual([]);
  });
});
