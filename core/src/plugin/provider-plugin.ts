import { ConvertStage } from '../hooks.js';
import type { Exchange } from '../exchange.js';
import type { ProviderAdapter } from '../providers.js';
import type { UpstreamRequest } from '../types.js';
import type { Plugin } from './plugin.js';

export interface ProviderPluginSpec {
  /** Plugin name, e.g. `provider-acme`. */
  readonly name: string;
  /** Provider type that config entries name in `type:`. */
  readonly type: string;
  readonly adapter: ProviderAdapter;
  /** Builds the wire request at ConvertStage.BUILD: url, headers and body from the exchange. */
  readonly build: (req: UpstreamRequest, x: Exchange) => UpstreamRequest;
}

/** The glue every provider plugin needs: define the type, build its requests. No plugin options. */
export function providerPlugin(spec: ProviderPluginSpec): Plugin<Record<string, never>> {
  return {
    name: spec.name,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    apply(gateway) {
      gateway.providers.define(spec.type, spec.adapter);
      gateway.hooks.convertRequest.for(spec.type).tap({ name: spec.name, stage: ConvertStage.BUILD }, spec.build);
    },
  };
}
