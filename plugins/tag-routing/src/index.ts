import { definePlugin, exchangeKey, RouteStage, SwitchyardError } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { ModelResolver, ModelRoutes } from '@switchyard/plugin-models/contract';
import { ROUTE_CONSTRAINTS } from '@switchyard/plugin-constraints/contract';
import type { Exchange, Gateway, Plugin, Target } from '@switchyard/core';
import type { RoutePlan } from '@switchyard/core/routing';
import { optionsSchema } from './options.js';
import type { TagRoutingOptions } from './options.js';
import { TagIndex } from './tag-index.js';
import type { Selection } from './tag-index.js';
import { infoTags, nameParts, nameTags, parseTagQuery } from './tags.js';
import type { TagQuery } from './tags.js';

export const PLUGIN = 'tag-routing';
export { TagIndex } from './tag-index.js';
export type { Selection, SelectionStep } from './tag-index.js';
export { contextTag, infoTags, nameParts, nameTags, parseTagQuery } from './tags.js';
export type { TagQuery } from './tags.js';
export type { TagRoutingOptions } from './options.js';

/** How a `tag:` query was evaluated, for explain and debugging. */
export const TAG_SELECTION = exchangeKey<Selection>('tag-routing:selection');
/** Tags of targets outside the index (prefix-claimed models), memoized up to this many. */
const MAX_EXTRA = 10_000;
/** Where callers send request-level tags (core also reads the body's `switchyard.tags`). */
const TAGS_HEADER = 'x-switchyard-tags';

export interface TagRoutingPlugin extends Plugin<TagRoutingOptions> {
  /** The index of the gateway this plugin was last applied to (built at start and on every served-model change); undefined before. */
  index(): TagIndex | undefined;
}

/** `model: "tag:a,b,!c"` selects every served target carrying a and b but not c; request tags (x-switchyard-tags, switchyard.tags) narrow any request. */
export function tagRouting(): TagRoutingPlugin {
  let latest: (() => TagIndex | undefined) | undefined;
  const plugin = definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    needs: [MODEL_ROUTES],
    apply(gateway, options) {
      const routes = gateway.need(MODEL_ROUTES);
      const targets = new TagTargets(gateway, routes, options);
      latest = () => targets.current;
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.DISCOVER }, (plan, x) =>
        discover(plan, x, options.prefix, targets),
      );
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER - 10 }, (plan, x) =>
        narrow(plan, x, targets),
      );
      routes.onChange(PLUGIN, (resolver) => targets.rebuild(resolver));
      // Limits per model (plugin-rate-limit) count a tag query under every model it may be routed to.
      routes.addReach((name) =>
        name.startsWith(options.prefix)
          ? targets
              .index()
              .select(parseTagQuery(name.slice(options.prefix.length)))
              .targets.map((t) => t.model)
          : undefined,
      );
      gateway.hooks.ready.tapPromise(PLUGIN, async () => void targets.index());
    },
  });
  return { ...plugin, index: () => latest?.() };
}

/** One gateway generation's tag index and the tags of targets outside it. */
class TagTargets {
  readonly #gateway: Gateway;
  readonly #routes: ModelRoutes;
  readonly #tagsOf: (target: Target) => Set<string>;
  readonly #extra = new Map<string, ReadonlySet<string>>();
  #current: TagIndex | undefined;

  constructor(gateway: Gateway, routes: ModelRoutes, options: TagRoutingOptions) {
    this.#gateway = gateway;
    this.#routes = routes;
    this.#tagsOf = (target) => targetTags(gateway, target, options.deriveTags);
  }

  /** The index built so far, if any. */
  get current(): TagIndex | undefined {
    return this.#current;
  }

  rebuild(resolver: ModelResolver): void {
    this.#current = buildIndex(resolver, this.#tagsOf);
    this.#extra.clear();
    this.#gateway.logger.debug({ plugin: PLUGIN, targets: this.#current.size }, 'tag index built');
  }

  /** The resolver is complete only once every provider plugin applied: the index is built at first use. */
  index(): TagIndex {
    if (this.#current === undefined) this.rebuild(this.#routes.resolver);
    return this.#current!;
  }

  /** A target's tags: the index's, else memoized for targets outside it (prefix-claimed models). */
  tagsOfTarget(target: Target): ReadonlySet<string> {
    const known = this.index().tagsOf(target.id) ?? this.#extra.get(target.id);
    if (known) return known;
    const tags = this.#tagsOf(target);
    if (this.#extra.size < MAX_EXTRA) this.#extra.set(target.id, tags);
    return tags;
  }
}

/** DISCOVER: `model: "<prefix>a,b,!c"` routes to every served target carrying a and b but not c. */
function discover(plan: RoutePlan, x: Exchange, prefix: string, targets: TagTargets): RoutePlan {
  if (!x.model.startsWith(prefix)) return plan;
  const query = parseTagQuery(x.model.slice(prefix.length));
  if (query.include.length === 0) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      `\`${x.model}\` names no tag to select by: use ${prefix}a,b (and !c to exclude)`,
      { param: 'model' },
    );
  }
  const selection = targets.index().select(query);
  x.set(TAG_SELECTION, selection);
  if (selection.targets.length === 0) throw noMatch(x.model, selection);
  return plan.add(PLUGIN, selection.targets);
}

/** FILTER: request tags exclude the targets not carrying them. */
function narrow(plan: RoutePlan, x: Exchange, targets: TagTargets): RoutePlan {
  // The constraints plugin reads x-switchyard-tags and the body's switchyard.tags (validated, merged).
  const tags = x.get(ROUTE_CONSTRAINTS)?.tags;
  if (!tags?.length || plan.size === 0) return plan;
  const query = parseTagQuery(tags.join(','));
  plan.exclude(
    PLUGIN,
    (t) => mismatch(targets.tagsOfTarget(t), query) !== undefined,
    (t) => mismatch(targets.tagsOfTarget(t), query)!,
  );
  if (plan.size === 0) {
    const why = [...new Set(plan.exclusions.filter((e) => e.by === PLUGIN).map((e) => e.reason))].join('; ');
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      `no target of \`${x.model}\` carries the requested tags ${tags.join(',')} (${why})`,
      { param: TAGS_HEADER, publicCode: 'no_tagged_target' },
    );
  }
  return plan;
}

/** Served targets in preference order (instance priority, then config order), each marked as found by tag. */
function buildIndex(resolver: ModelResolver, tagsOf: (t: Target) => Set<string>): TagIndex {
  const targets = resolver
    .servedTargets()
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.instance.priority - b.t.instance.priority || a.i - b.i)
    .map(({ t }) => Object.freeze({ ...t, rule: 'tag' }));
  return new TagIndex(targets, tagsOf);
}

/** A target's tags: its model name's, its model information's, its instance's configured tags, name and type. */
function targetTags(gateway: Gateway, target: Target, derive: boolean): Set<string> {
  const { instance, model } = target;
  const tags = new Set<string>([instance.name.toLowerCase(), instance.type.toLowerCase(), model.toLowerCase()]);
  for (const tag of instance.tags) tags.add(tag.toLowerCase());
  if ((instance as { local?: unknown }).local === true || instance.options.local === true) tags.add('local');
  const info = gateway.contract(MODEL_INFO)?.lookup(model, instance.name);
  if (derive) {
    for (const tag of nameTags(model)) tags.add(tag);
    for (const tag of infoTags(info)) tags.add(tag);
  } else {
    for (const tag of nameParts(model)) tags.add(tag);
    for (const tag of info?.tags ?? []) tags.add(tag.toLowerCase());
  }
  return tags;
}

/** Why a target fails a query, or undefined when it passes. */
function mismatch(tags: ReadonlySet<string>, query: TagQuery): string | undefined {
  const missing = query.include.find((tag) => !tags.has(tag));
  if (missing !== undefined) return `lacks tag ${missing}`;
  const excluded = query.exclude.find((tag) => tags.has(tag));
  return excluded === undefined ? undefined : `carries excluded tag ${excluded}`;
}

function noMatch(model: string, selection: Selection): SwitchyardError {
  const counts = selection.steps.map((s) => `${s.exclude ? '!' : ''}${s.tag}: ${s.carriers}`).join(', ');
  return new SwitchyardError(
    'SWITCHYARD_ERR_MODEL_NOT_FOUND',
    `no served model matches \`${model}\` (targets per tag: ${counts})`,
    { publicCode: 'model_not_found', param: 'model' },
  );
}

export default tagRouting;
