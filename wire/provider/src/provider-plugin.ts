import { ConvertStage } from '@switchyard/core';
import type { Exchange, Gateway, Plugin, ProviderInstance, UpstreamRequest } from '@switchyard/core';
import type { ProviderAdapter } from '@switchyard/core/provider';

export interface ProviderPluginSpec {
  /** Plugin name, e.g. `provider-acme`. */
  readonly name: string;
  /** Provider type that config entries name in `type:`. */
  readonly type: string;
  readonly adapter: ProviderAdapter;
  /** Builds the wire request at ConvertStage.BUILD: url, headers and body from the exchange (`gateway`: the generation serving it). */
  readonly build: (req: UpstreamRequest, x: Exchange, gateway: Gateway) => UpstreamRequest;
  /** Values for contracts other plugins collect, e.g. what is known of this type's models for a model table. */
  readonly contributes?: Plugin['contributes'];
}

/** The glue every provider plugin needs: define the type, build its requests. No plugin options. */
export function providerPlugin(spec: ProviderPluginSpec): Plugin<Record<string, never>> {
  return {
    name: spec.name,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    providers: [{ type: spec.type, adapter: spec.adapter }],
    ...(spec.contributes ? { contributes: spec.contributes } : {}),
    apply(gateway) {
      gateway.hooks.convertRequest
        .for(spec.type)
        .tap({ name: spec.name, stage: ConvertStage.BUILD }, (req, x) => spec.build(req, x, gateway));
    },
  };
}

/**
 * Per-instance request headers (content type, credentials, configured extras): built once per
 * instance by `build`, handed out as a fresh copy per request, since ADJUST taps may edit them.
 */
export function instanceHeaderCache(
  build: (instance: ProviderInstance) => Record<string, string>,
): (instance: ProviderInstance) => Record<string, string> {
  const built = new WeakMap<ProviderInstance, Readonly<Record<string, string>>>();
  return (instance) => {
    let headers = built.get(instance);
    if (!headers) {
      headers = Object.freeze(build(instance));
      built.set(instance, headers);
    }
    return { ...headers };
  };
}
