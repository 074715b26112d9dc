import type { Static, TObject } from '@sinclair/typebox';
import { schemaProblems } from '@switchyard/core/config';
import { SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';

/**
 * Reads a provider type's own instance fields typed: `instance.options` checked against `fields`
 * (the adapter's `instanceSchema`) with its defaults
 * filled in, once per instance. Core checks them at load, so a failure here means an instance
 * built by hand.
 */
export function instanceOptions<S extends TObject>(fields: S): (instance: ProviderInstance) => Static<S> {
  const read = new WeakMap<ProviderInstance, Static<S>>();
  return (instance) => {
    let options = read.get(instance);
    if (options === undefined) {
      const candidate = structuredClone(instance.options) as Static<S>;
      const problems = schemaProblems(fields, candidate);
      if (problems.length)
        throw new SwitchyardError(
          'SWITCHYARD_ERR_CONFIG_INVALID',
          `provider instance "${instance.name}": ${problems.join('; ')}`,
        );
      options = candidate;
      read.set(instance, options);
    }
    return options;
  };
}
