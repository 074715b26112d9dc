import { createRequire } from 'node:module';
import { addValidators } from '@switchyard/core';
import type { ValidateFunction } from 'ajv';

/**
 * Registers the Ajv validators of the preset's schemas, generated ahead of time
 * (validators.cjs, `npm run validators`): a gateway of this preset compiles no schema when it
 * starts. Imported before the plugins, whose protocols look their request validators up as
 * their modules load.
 */
addValidators(createRequire(import.meta.url)('../validators.cjs') as Record<string, ValidateFunction>);
