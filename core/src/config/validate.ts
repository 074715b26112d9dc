import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, Options, ValidateFunction } from 'ajv';
import { formatAjvErrors } from './problems.js';

/**
 * The three ways core validates. `exact`: plugin options, store sections, provider instance
 * fields; `coerce`: core's own sections, where `${VAR}` interpolation yields strings, so `"8080"`
 * reads as 8080; both list every error and fill defaults in place, at start and on reload only
 * (unoptimized code generation allocates a third less). `request`: request bodies, first error only.
 */
export type ValidatorKind = 'exact' | 'coerce' | 'request';

/** Ajv's options for each kind: validators generated ahead of time must be generated with these. */
export const VALIDATOR_OPTIONS: Readonly<Record<ValidatorKind, Options>> = {
  exact: { allErrors: true, useDefaults: true, strict: false, code: { optimize: false } },
  coerce: { allErrors: true, useDefaults: true, coerceTypes: true, strict: false, code: { optimize: false } },
  request: { allErrors: false, strict: false },
};

const require = createRequire(import.meta.url);
const instances = new Map<ValidatorKind, Ajv>();

/**
 * Ajv, loaded by the first schema that has no validator yet. Only `exact` compiles the
 * meta-schema (megabytes of allocation) and checks schemas against it; see checkSchema().
 */
function ajv(kind: ValidatorKind): Ajv {
  let instance = instances.get(kind);
  if (!instance) {
    const { Ajv: AjvClass } = require('ajv') as typeof AjvModule;
    instance = new AjvClass({ ...VALIDATOR_OPTIONS[kind], validateSchema: kind === 'exact' });
    instances.set(kind, instance);
  }
  return instance;
}

/** Throws, as Ajv's compile() does, when `schema` is not a valid JSON Schema. */
export function checkSchema(schema: object): void {
  void ajv('exact').validateSchema(schema, true);
}

/** A validator's key: its kind and its schema's content (plugins rebuilt by a reload bring equal schemas as new objects). */
export function validatorKey(kind: ValidatorKind, schema: object): string {
  return createHash('sha256')
    .update(`${kind}\0${JSON.stringify(schema)}`)
    .digest('base64url');
}

/** Validators by validatorKey(): compiled here, or generated ahead of time (addValidators()). */
const validators = new Map<string, ValidateFunction>();

/**
 * Adds validators generated ahead of time (Ajv standalone code with VALIDATOR_OPTIONS), by
 * validatorKey(): their schemas are neither checked nor compiled when the gateway starts.
 */
export function addValidators(generated: Readonly<Record<string, ValidateFunction>>): void {
  for (const [key, validate] of Object.entries(generated)) validators.set(key, validate);
}

/** Whether `schema` has a validator of `kind` already (a generated one, or one compiled earlier). */
export function hasValidator(kind: ValidatorKind, schema: object): boolean {
  return validators.has(validatorKey(kind, schema));
}

/** The validator of `schema`, compiled once. An `exact` compile checks the schema; `request` schemas are checked by their caller. */
export function validatorFor(kind: ValidatorKind, schema: object): ValidateFunction {
  const key = validatorKey(kind, schema);
  let validate = validators.get(key);
  if (!validate) {
    if (kind === 'coerce') checkSchema(schema);
    validate = ajv(kind).compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** Checks `value` against `schema`, filling its defaults in place: the problems as `root.path: message` lines. */
export function schemaProblems(schema: object, value: unknown, root = '', { coerce = false } = {}): string[] {
  const validate = validatorFor(coerce ? 'coerce' : 'exact', schema);
  return validate(value) ? [] : formatAjvErrors(validate.errors, root);
}
