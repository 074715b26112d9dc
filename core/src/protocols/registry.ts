import { maskText } from '../mask.js';
import { SwitchyardError } from '../errors.js';
import type { InboundProtocol, InboundRoute, ProtocolCodec } from './codec.js';

/** `{"error":{"message","type","code","param"}}`: the error shape of paths no protocol claims (OpenAI's). */
export function errorObject(error: SwitchyardError): {
  message: string;
  type: string;
  code: string | null;
  param: string | null;
} {
  return {
    message: error.expose ? maskText(error.message) : 'internal gateway error',
    type: error.type,
    code: error.publicCode ?? null,
    param: error.param ?? null,
  };
}

/** The inbound protocols of one gateway generation, declared by its plugins. */
export class ProtocolRegistry {
  readonly #byName = new Map<string, InboundProtocol>();
  readonly #routes = new Map<string, { protocol: InboundProtocol; route: InboundRoute }>();
  /** Longest first, so `/v1/messages/count_tokens` finds its own before `/v1/messages`. */
  #prefixes: Array<{ prefix: string; protocol: InboundProtocol }> = [];

  /** @internal the builder defines what plugins declare */
  define(protocol: InboundProtocol, plugin: string): void {
    if (this.#byName.has(protocol.name))
      throw new SwitchyardError(
        'SWITCHYARD_ERR_PLUGIN_DUPLICATE',
        `inbound protocol "${protocol.name}" of plugin "${plugin}" is already defined`,
      );
    for (const route of protocol.routes) {
      const taken = this.#routes.get(route.path);
      if (taken)
        throw new SwitchyardError(
          'SWITCHYARD_ERR_PLUGIN_DUPLICATE',
          `POST ${route.path} of plugin "${plugin}" is already served by protocol "${taken.protocol.name}"`,
        );
      this.#routes.set(route.path, { protocol, route });
    }
    this.#byName.set(protocol.name, protocol);
    for (const prefix of protocol.paths ?? protocol.routes.map((r) => r.path))
      this.#prefixes.push({ prefix, protocol });
    this.#prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  get(name: string): InboundProtocol | undefined {
    return this.#byName.get(name);
  }

  /** The routed endpoint at `path`, if a protocol serves one. */
  route(path: string): { protocol: InboundProtocol; route: InboundRoute } | undefined {
    return this.#routes.get(path);
  }

  /** The protocol whose errors a path gets, if one claims it. */
  codecFor(path: string): ProtocolCodec | undefined {
    return this.#prefixes.find((p) => path === p.prefix || path.startsWith(`${p.prefix}/`))?.protocol;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}
