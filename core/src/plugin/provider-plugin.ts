import { ConvertStage } from '../hooks.js';
import type { SwitchyardConfig } from '../config/schema.js';
import type { Exchange } from '../exchange.js';
import type { Gateway } from '../gateway.js';
import type { ProviderAdapter } from '../providers.js';
import { fitOutputTokens } from '../models/model-info.js';
import type { ModelInfo } from '../models/model-info.js';
import type { ProviderInstance, UpstreamRequest } from '../types.js';
import type { Plugin } from './plugin.js';

export interface ProviderPluginSpec {
  /** Plugin name, e.g. `provider-acme`. */
  readonly name: string;
  /** Provider type that config entries name in `type:`. */
  readonly type: string;
  readonly adapter: ProviderAdapter;
  /** Builds the wire request at ConvertStage.BUILD: url, headers and body from the exchange (`gateway`: the generation serving it). */
  readonly build: (req: UpstreamRequest, x: Exchange, gateway: Gateway) => UpstreamRequest;
  /** What is known of this type's models (capabilities, limits, prices), for the gateway's model table. */
  readonly models?: Readonly<Record<string, ModelInfo>>;
}

/** The glue every provider plugin needs: define the type, build its requests. No plugin options. */
export function providerPlugin(spec: ProviderPluginSpec): Plugin<Record<string, never>> {
  return {
    name: spec.name,
    schema: { type: 'object', additionalProperties: false, properties: {} },
    providers: [{ type: spec.type, adapter: spec.adapter, ...(spec.models ? { models: spec.models } : {}) }],
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

/** Per config: the aliases whose `routing.fitOutputTokens` overrides the top-level one. */
const fitOverrides = new WeakMap<SwitchyardConfig, ReadonlyMap<string, boolean>>();

/**
 * fitOutputTokens() for the exchange's current target: the model table's limit for it, with
 * `routing.fitOutputTokens` (or the requested alias's override). `field` names the caller's
 * field in the warning. What a provider plugin calls wherever it writes the output-token field.
 */
export function targetOutputTokens(
  gateway: Pick<Gateway, 'config' | 'modelInfo'>,
  x: Exchange,
  asked: number | null | undefined,
  field = 'max_tokens',
): number | undefined {
  if (asked == null || !x.target) return asked ?? undefined;
  const { config } = gateway;
  let overrides = fitOverrides.get(config);
  if (!overrides) {
    overrides = new Map(
      config.models.flatMap((a) =>
        a.routing?.fitOutputTokens === undefined ? [] : [[a.name, a.routing.fitOutputTokens] as const],
      ),
    );
    fitOverrides.set(config, overrides);
  }
  const fit = overrides.get(x.model) ?? config.routing.fitOutputTokens;
  return fitOutputTokens(asked, gateway.modelInfo.forTarget(x.target), fit, (m) => x.warn(m), field);
}
