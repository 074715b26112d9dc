import { createRequire } from 'node:module';
import { addValidators } from '@switchyard/core/config';
import type { ValidateFunction } from 'ajv';

/**
 * Registers the Ajv validators of the preset's schemas, generated ahead of time by the build
 * (validators.cjs, `npm run build` or `npm run validators`): a gateway of this preset compiles no
 * schema when it starts. Imported before the plugins, whose protocols look their request
 * validators up as their modules load. Without the file (a bare `tsc -b`), schemas compile at start.
 */
let generated: Record<string, ValidateFunction> | undefined;
try {
  generated = createRequire(import.meta.url)('../validators.cjs') as Record<string, ValidateFunction>;
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
}
if (generated) addValidators(generated);
