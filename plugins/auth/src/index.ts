import type { IncomingHttpHeaders } from 'node:http';
import { definePlugin, exchangeKey, RouteStage, SwitchyardError } from '@switchyard/core';
import type { AdminAuthorizer, Exchange, Gateway, Logger, Plugin, Reply as ReplyType } from '@switchyard/core';
import { Reply } from '@switchyard/core';
import { allowsModel, allowsProvider, allowsTarget, allowsToolModel, KeyConfigError } from './key-table.js';
import { modelLabel, toolModelsOf } from './tool-models.js';
import { firstForeign } from './account-objects.js';
import type { AccountObject } from './account-objects.js';
import type { ToolModel } from './tool-models.js';
import type { KeyTable } from './key-table.js';
import type { GatewayKey } from './key-table.js';
import { addKeyRoutes } from './admin-keys.js';
import { LiveKeys } from './live-keys.js';
import { keyInQuery, presentedKey } from './presented.js';
import { KEY_CONFLICT, KEY_STORE_UNAVAILABLE, RuntimeKeys } from './runtime-keys.js';
import {
  BUDGET_UNAVAILABLE,
  LIMITS_UNAVAILABLE,
  ruleUnavailable,
  unreadRuleProblems,
  unreadRules,
} from './unread-rules.js';
import { optionsSchema } from './schema.js';
import { CALLER_OF, KEY_ACCESS } from './contract.js';
import type { KeyAllows } from './contract.js';
import type { AuthOptions } from './schema.js';

export {
  hashKey,
  KeyTable,
  globToRegExp,
  allowsModel,
  allowsProvider,
  allowsTarget,
  allowsToolModel,
} from './key-table.js';
export { toolModelsOf } from './tool-models.js';
export type { ToolModel } from './tool-models.js';
export type { GatewayKey, GatewayKeyConfig, Lookup } from './key-table.js';
export type { AuthOptions } from './schema.js';
export { presentedKey, keyInQuery, QUERY_KEY_PARAMS } from './presented.js';
export { keyListing } from './listing.js';
export type { KeyListing, ListedKey } from './listing.js';
export { KEY_CONFLICT, KEY_STORE_UNAVAILABLE, RuntimeKeys, newKey } from './runtime-keys.js';
export type { KeysDocument, StoredKey } from './runtime-keys.js';
export { LiveKeys } from './live-keys.js';
export { CALLER_OF, KEY_ACCESS } from './contract.js';
export type { KeyAllows } from './contract.js';

export const PLUGIN = 'auth';
/** beforeRoute stage of authentication: before limits and request checks at the default stage 0. */
export const AUTHENTICATE_STAGE = -100;

/** selectRoute stage of the key's allow-lists: before other filters, so a refused model is a 403 whatever else excludes its targets. */
export const ACCESS_STAGE = RouteStage.FILTER - 10;

const CHALLENGE = { 'www-authenticate': 'Bearer realm="switchyard"' };
const HOW = 'send it as "Authorization: Bearer <key>", "x-api-key: <key>" or "x-goog-api-key: <key>"';

/**
 * Gateway keys: who may call, which models and providers, and who may use /admin/*. Keys come
 * from config and, with a persistent store, are managed at run time (POST/PATCH/DELETE
 * /admin/keys), every replica following each change at once; GET /admin/keys lists them (never the keys).
 */
export function auth(): Plugin<AuthOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    errors: [KEY_CONFLICT, KEY_STORE_UNAVAILABLE, LIMITS_UNAVAILABLE, BUDGET_UNAVAILABLE],
    provides: [CALLER_OF, KEY_ACCESS],
    async apply(gateway, options) {
      const { logger, security } = gateway;
      // The keys of the moment. A gateway run through callback() alone gets no `ready`: its first
      // use starts following run-time key changes, or keys changed on other replicas would never reach it.
      const table = (): KeyTable => {
        if (runtime && !runtime.started) void runtime.start(options.keysRefreshMs);
        return live.table;
      };
      const live = liveKeys(options, logger, () => {
        security.authorizeAdmin = live.table.size ? adminAuthorizer(table) : undefined;
      });
      const unread = unreadRules(gateway);
      refuseUnreadRules(options.keys, unread);
      const runtime = await runtimeKeys(gateway, options, live);
      addKeyRoutes(gateway, PLUGIN, live, runtime);
      if (live.table.size === 0 && !runtime) return;
      security.authenticatesCallers = true;
      security.isKnownCaller = (name) => live.has(name);
      security.authorizeAdmin = live.table.size ? adminAuthorizer(table) : undefined;
      security.authorizeCaller = (headers, url) => authenticate(table(), headers, url, logger).error;
      gateway.provide(CALLER_OF, (headers, url) => authenticate(table(), headers, url, logger).key?.caller);
      gateway.provide(KEY_ACCESS, (headers, url) => {
        const { key } = authenticate(table(), headers, url, logger);
        return key && keyAllows(key);
      });
      gateway.hooks.beforeRoute.tap({ name: PLUGIN, stage: AUTHENTICATE_STAGE }, (x) =>
        admit(table(), x, logger, unread),
      );
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: ACCESS_STAGE }, filterTargets);
    },
  });
}
export default auth;

/** Config keys with limits or a budget no plugin enforces: a startup error, not keys served without them. */
function refuseUnreadRules(keys: AuthOptions['keys'], unread: ReturnType<typeof unreadRules>): void {
  const problems = unreadRuleProblems(keys, unread);
  if (problems.length) throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_APPLY', problems.join('\n'));
}

/** The config's keys, or the options error listing what is wrong with them. */
function liveKeys(options: AuthOptions, logger: Logger, changed: () => void): LiveKeys {
  try {
    return new LiveKeys(options.keys, logger, changed);
  } catch (err) {
    if (!(err instanceof KeyConfigError)) throw err;
    throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_OPTIONS', err.problems.map((p) => `plugins.auth.${p}`).join('\n'));
  }
}

/** Run-time keys when they are managed here: read once now, followed from `ready` (or first use) until `close`. */
async function runtimeKeys(gateway: Gateway, options: AuthOptions, live: LiveKeys): Promise<RuntimeKeys | undefined> {
  const managed =
    options.runtimeKeys === true ||
    (options.runtimeKeys === 'auto' && gateway.store.kind !== 'memory' && options.keys.length > 0);
  if (!managed) return undefined;
  const { logger } = gateway;
  const runtime = new RuntimeKeys(
    gateway.store,
    logger,
    { names: live.configNames, hashes: live.configHashes },
    (doc) => live.adopt(doc),
  );
  await runtime.load().then(
    (doc) => live.adopt(doc),
    (err: unknown) =>
      logger.warn(
        { err, plugin: PLUGIN },
        `could not read run-time keys at start: config keys only until they are read (every ${options.keysRefreshMs} ms)`,
      ),
  );
  gateway.hooks.ready.tapPromise(PLUGIN, () => runtime.start(options.keysRefreshMs));
  gateway.hooks.close.tapPromise(PLUGIN, () => runtime.stop());
  return runtime;
}

/** The authenticated key of a request whose key restricts models or providers, for filterTargets. */
const CALLER_KEY = exchangeKey<GatewayKey>('auth:key');

function admit(
  table: KeyTable,
  x: Exchange,
  logger: Logger,
  unread: ReturnType<typeof unreadRules>,
): ReplyType | undefined {
  const { key, error } = authenticate(table, x.headers, x.url, logger, x.id);
  if (error) return Reply.error(error);
  if (!allowsModel(key!, x.model)) {
    logger.info(
      { plugin: PLUGIN, caller: key!.name, model: x.model, requestId: x.id },
      'gateway key not allowed this model',
    );
    return Reply.error(modelNotAllowed(x.model));
  }
  const foreign = firstForeign(key!.accountObjects, x.body);
  if (foreign) {
    logger.info(
      { plugin: PLUGIN, caller: key!.name, object: foreign.id, requestId: x.id },
      'gateway key not allowed this account object',
    );
    return Reply.error(accountObjectNotAllowed(foreign));
  }
  const unenforced = unread.length ? ruleUnavailable(key!, unread) : undefined;
  if (unenforced) return Reply.error(unenforced);
  x.caller = key!.caller;
  if (key!.providers || !key!.anyModel) x.set(CALLER_KEY, key!);
  return undefined;
}

function accountObjectNotAllowed({ id, field }: AccountObject): SwitchyardError {
  return new SwitchyardError(
    'SWITCHYARD_ERR_FORBIDDEN',
    `${field}: this gateway key may not name \`${id}\`, an object of the upstream account every gateway key shares (send the content itself, or have the operator list the id in the key's accountObjects)`,
    { publicCode: 'account_object_not_allowed', param: field },
  );
}

function keyAllows(key: GatewayKey): KeyAllows {
  return (model, target) =>
    allowsModel(key, model) &&
    (!target || (allowsProvider(key, target.instance.name, target.instance.type) && allowsTarget(key, model, target)));
}

function modelNotAllowed(model: string): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', `this gateway key may not use the model \`${model}\``, {
    publicCode: 'model_not_allowed',
    param: 'model',
  });
}

/**
 * The key's allow-lists applied to what would be sent upstream: each target's instance and the
 * model it would receive (an alias, `instance/model`, a `tag:` query or a prefix claim cannot
 * step around them), and the models its hosted tools run (tool-models.ts). When the models
 * allow-list alone empties the plan, the answer is 403.
 */
function filterTargets(plan: Exchange['plan'], x: Exchange): Exchange['plan'] {
  const key = x.get(CALLER_KEY);
  if (!key || plan.size === 0) return plan;
  if (key.providers)
    plan.exclude(
      PLUGIN,
      (t) => !allowsProvider(key, t.instance.name, t.instance.type),
      `gateway key "${key.name}" may not use this provider`,
    );
  if (key.anyModel || plan.size === 0) return plan;
  plan.exclude(
    PLUGIN,
    (t) => !allowsTarget(key, x.model, t),
    (t) => `gateway key "${key.name}" may not use the model ${t.model}`,
  );
  if (plan.size === 0) throw modelNotAllowed(x.model);
  for (const used of toolModelsOf(x.body)) {
    plan.exclude(
      PLUGIN,
      (t) => !allowsToolModel(key, used.model, t),
      `gateway key "${key.name}" may not use ${modelLabel(used)} (the ${used.tool} tool's)`,
    );
    if (plan.size === 0) throw toolModelNotAllowed(used);
  }
  return plan;
}

function toolModelNotAllowed(used: ToolModel): SwitchyardError {
  const what = used.model === undefined ? modelLabel(used) : `the model ${modelLabel(used)}`;
  return new SwitchyardError(
    'SWITCHYARD_ERR_FORBIDDEN',
    `this gateway key may not use ${what}, which the request's ${used.tool} tool runs`,
    { publicCode: 'model_not_allowed', param: 'tools' },
  );
}

function authenticate(
  table: KeyTable,
  headers: IncomingHttpHeaders,
  url: string,
  logger: Logger,
  requestId?: string,
): { key?: GatewayKey; error?: SwitchyardError } {
  const param = keyInQuery(url);
  if (param !== undefined) {
    return refuse(
      logger,
      requestId,
      `gateway keys are not accepted in the URL query string (found "${param}"): URLs end up in logs and proxies; ${HOW}`,
      'key_in_query',
      'key in query string',
    );
  }
  const presented = presentedKey(headers);
  if (presented.kind === 'missing')
    return refuse(logger, requestId, `missing gateway key: ${HOW}`, 'missing_api_key', 'missing');
  if (presented.kind === 'malformed')
    return refuse(logger, requestId, `malformed gateway key: ${presented.why}`, 'invalid_api_key', 'malformed');
  const found = table.lookup(presented.key);
  if (!found.ok) {
    if (found.reason === 'unknown')
      return refuse(logger, requestId, 'invalid gateway key', 'invalid_api_key', 'unknown key');
    const why = found.reason === 'disabled' ? 'this gateway key is disabled' : 'this gateway key has expired';
    return refuse(
      logger,
      requestId,
      why,
      found.reason === 'disabled' ? 'key_disabled' : 'key_expired',
      found.reason,
      found.key?.name,
    );
  }
  return { key: found.key };
}

function refuse(
  logger: Logger,
  requestId: string | undefined,
  message: string,
  publicCode: string,
  reason: string,
  name?: string,
): { error: SwitchyardError } {
  logger.info(
    { plugin: PLUGIN, reason, ...(name ? { caller: name } : {}), ...(requestId ? { requestId } : {}) },
    'gateway key refused',
  );
  return { error: new SwitchyardError('SWITCHYARD_ERR_UNAUTHORIZED', message, { publicCode, headers: CHALLENGE }) };
}

function adminAuthorizer(table: () => KeyTable): AdminAuthorizer {
  return (headers) => {
    const presented = presentedKey(headers);
    if (presented.kind !== 'key') return 'unauthorized';
    const found = table().lookup(presented.key);
    if (!found.ok) return 'unauthorized';
    return found.key.admin ? 'ok' : 'forbidden';
  };
}
