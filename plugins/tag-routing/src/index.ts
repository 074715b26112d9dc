import { definePlugin, exchangeKey, RouteStage, SwitchyardError } from '@switchyard/core';
import { MODEL_INFO, MODEL_ROUTES } from '@switchyard/plugin-models/contract';
import type { ModelResolver } from '@switchyard/plugin-models/contract';
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
      let current: TagIndex | undefined;
      latest = () => current;
      const tagsOf = (target: Target): Set<string> => targetTags(gateway, target, options.deriveTags);
      const extra = new Map<string, ReadonlySet<string>>();
      const rebuild = (resolver: ModelResolver): void => {
        current = buildIndex(resolver, tagsOf);
        extra.clear();
        gateway.logger.debug({ plugin: PLUGIN, targets: current.size }, 'tag index built');
      };
      // The resolver is complete only once every provider plugin applied: build at first use.
      const index = (): TagIndex => current ?? (rebuild(routes.resolver), current!);
      const tagsOfTarget = (target: Target): ReadonlySet<string> => {
        const known = index().tagsOf(target.id) ?? extra.get(target.id);
        if (known) return known;
        const tags = tagsOf(target);
        if (extra.size < MAX_EXTRA) extra.set(target.id, tags);
        return tags;
      };

      const discover = (plan: RoutePlan, x: Exchange): RoutePlan => {
        if (!x.model.startsWith(options.prefix)) return plan;
        const query = parseTagQuery(x.model.slice(options.prefix.length));
        if (query.include.length === 0) {
          throw new SwitchyardError(
            'SWITCHYARD_ERR_INVALID_REQUEST',
            `\`${x.model}\` names no tag to select by: use ${options.prefix}a,b (and !c to exclude)`,
            { param: 'model' },
          );
        }
        const selection = index().select(query);
        x.set(TAG_SELECTION, selection);
        if (selection.targets.length === 0) throw noMatch(x.model, selection);
        return plan.add(PLUGIN, selection.targets);
      };
      // The constraints plugin reads x-switchyard-tags and the body's switchyard.tags (validated, merged).
      const narrow = (plan: RoutePlan, x: Exchange): RoutePlan => {
        const tags = x.get(ROUTE_CONSTRAINTS)?.tags;
        if (!tags?.length || plan.size === 0) return plan;
        const query = parseTagQuery(tags.join(','));
        plan.exclude(
          PLUGIN,
          (t) => mismatch(tagsOfTarget(t), query) !== undefined,
          (t) => mismatch(tagsOfTarget(t), query)!,
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
      };

      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.DISCOVER }, discover);
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER - 10 }, narrow);
      routes.onChange(PLUGIN, rebuild);
      gateway.hooks.ready.tapPromise(PLUGIN, async () => void index());
    },
  });
  return { ...plugin, index: () => latest?.() };
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
