import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { formatAjvErrors } from './problems.js';

/**
 * Every schema core checks — its config sections, plugin options, store sections, provider
 * instance fields — goes through here: every error listed, defaults filled in place. `coerce`
 * also reads `"8080"` as 8080, for core's sections, where `${VAR}` interpolation yields strings.
 * These validators run at start and on reload only: unoptimized code generation allocates a
 * third less at start-up.
 */
const settings = { allErrors: true, useDefaults: true, strict: false, code: { optimize: false } } as const;
const exact = new Ajv(settings);
// Compiling the meta-schema costs megabytes of allocation at start-up: only `exact` compiles it, and checks every schema.
const coercing = new Ajv({ ...settings, coerceTypes: true, validateSchema: false });

/** Throws, as Ajv's compile() does, when `schema` is not a valid JSON Schema. */
export function checkSchema(schema: object): void {
  void exact.validateSchema(schema, true);
}

/** By content: plugins rebuilt by a reload bring equal schemas as new objects, and Ajv keeps every schema it compiled. */
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: object, coerce: boolean): ValidateFunction {
  const key = `${coerce ? 'c' : 'e'}${JSON.stringify(schema)}`;
  let validate = compiled.get(key);
  if (!validate) {
    if (coerce) checkSchema(schema);
    validate = (coerce ? coercing : exact).compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** Checks `value` against `schema`, filling its defaults in place: the problems as `root.path: message` lines. */
export function schemaProblems(schema: object, value: unknown, root = '', { coerce = false } = {}): string[] {
  const validate = validatorFor(schema, coerce);
  return validate(value) ? [] : formatAjvErrors(validate.errors, root);
}
