import type { Static, TObject } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { formatAjvErrors } from '../config/problems.js';
import { SwitchyardError } from '../errors.js';
import type { ProviderInstance } from '../types.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

/**
 * Reads a provider type's own instance fields typed: `instance.options` checked against `fields`
 * (the object whose `properties` the adapter gives as `instanceProperties`) with its defaults
 * filled in, once per instance. Core checks them at load, so a failure here means an instance
 * built by hand.
 */
export function instanceOptions<S extends TObject>(fields: S): (instance: ProviderInstance) => Static<S> {
  const validate = ajv.compile<Static<S>>(fields);
  const read = new WeakMap<ProviderInstance, Static<S>>();
  return (instance) => {
    let options = read.get(instance);
    if (options === undefined) {
      const candidate: unknown = structuredClone(instance.options);
      if (!validate(candidate)) {
        throw new SwitchyardError('SWITCHYARD_ERR_CONFIG_INVALID', `provider instance "${instance.name}": ${formatAjvErrors(validate.errors).join('; ')}`);
      }
      options = candidate;
      read.set(instance, options);
    }
    return options;
  };
}
