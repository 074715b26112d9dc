import type { ListedModel, ProviderRegistry, UpstreamClient } from '@switchyard/core/provider';
import type { Logger, ProviderInstance } from '@switchyard/core';
import type { ModelInfo } from '@switchyard/plugin-models/contract';

export interface DiscoveryDeps {
  readonly instances: readonly ProviderInstance[];
  readonly providers: ProviderRegistry;
  readonly http: UpstreamClient;
  readonly logger: Logger;
  /** Receives what listings say of their models (context windows...): the model table's setListed(), when there is a table. */
  readonly listed: (instance: string, models: ReadonlyMap<string, ModelInfo>) => void;
  /** Called after a listing changed an instance's served set. */
  readonly changed: (instance: string, served: readonly string[]) => void;
}

/**
 * Model discovery for instances configured `discover: true`: their upstream's model listing
 * at start and every `discoverIntervalMs`. A failed listing keeps the last good set and is
 * logged; start() waits at most the longest `discoverTimeoutMs`, later answers still apply.
 */
export class ModelDiscovery {
  readonly #deps: DiscoveryDeps;
  readonly #served = new Map<string, readonly string[]>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Set<string>();
  #stopped = false;

  constructor(deps: DiscoveryDeps) {
    this.#deps = deps;
  }

  /** Instances that discover their models. */
  get instances(): ProviderInstance[] {
    return this.#deps.instances.filter((i) => i.discover);
  }

  /** The last good listing of every discovering instance that has one. */
  get served(): ReadonlyMap<string, readonly string[]> {
    return this.#served;
  }

  /** First listing of every discovering instance (bounded wait), then one timer each. */
  async start(): Promise<void> {
    const instances = this.instances;
    if (instances.length === 0) return;
    const first = Promise.all(instances.map((i) => this.refresh(i)));
    const bound = Math.max(...instances.map((i) => i.discoverTimeoutMs));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, bound, 'late')));
    const outcome = await Promise.race([first, late]);
    clearTimeout(timer);
    if (outcome === 'late')
      this.#deps.logger.warn({ waitedMs: bound }, 'model discovery: start-up went on before every listing answered');
    if (this.#stopped) return;
    for (const instance of instances) {
      const t = setInterval(() => void this.refresh(instance), instance.discoverIntervalMs);
      t.unref();
      this.#timers.push(t);
    }
  }

  /** Lists one instance's models; true when its served set changed. Never throws. */
  async refresh(instance: ProviderInstance): Promise<boolean> {
    const adapter = this.#deps.providers.get(instance.type);
    if (!(adapter?.describeModels || adapter?.listModels) || this.#running.has(instance.name) || this.#stopped)
      return false;
    this.#running.add(instance.name);
    try {
      const bounded = { ...instance, timeoutMs: instance.discoverTimeoutMs };
      const listing: Promise<ListedModel[]> = adapter.describeModels
        ? adapter.describeModels(bounded, this.#deps.http)
        : adapter.listModels!(bounded, this.#deps.http).then((ids) => ids.map((id) => ({ id })));
      const models = await withTimeout(listing, instance.discoverTimeoutMs);
      if (this.#stopped) return false;
      const described = new Map<string, ModelInfo>();
      for (const m of models) if (m.info && Object.keys(m.info).length) described.set(m.id, m.info as ModelInfo);
      this.#deps.listed(instance.name, described);
      const next = [...new Set(models.map((m) => m.id))].sort();
      const previous = this.#served.get(instance.name);
      if (previous && previous.length === next.length && previous.every((m, i) => m === next[i])) return false;
      this.#served.set(instance.name, Object.freeze(next));
      this.#deps.logger.info({ instance: instance.name, models: next.length }, 'model discovery: served set changed');
      this.#deps.changed(instance.name, next);
      return true;
    } catch (err) {
      const kept = this.#served.get(instance.name);
      this.#deps.logger.warn(
        { instance: instance.name, err: (err as Error).message, kept: kept?.length ?? 0 },
        kept ? 'model discovery: listing failed, keeping the last good set' : 'model discovery: listing failed',
      );
      return false;
    } finally {
      this.#running.delete(instance.name);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
