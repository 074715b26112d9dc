import type { IncomingHttpHeaders } from 'node:http';
import { definePlugin, exchangeKey, RouteStage, SwitchyardError } from '@switchyard/core';
import type { AdminAuthorizer, Exchange, Logger, Plugin, Reply as ReplyType } from '@switchyard/core';
import { Reply } from '@switchyard/core';
import { allowsModel, allowsProvider, allowsTarget, KeyConfigError, KeyTable } from './key-table.js';
import type { GatewayKey } from './key-table.js';
import { keyListing } from './listing.js';
import { keyInQuery, presentedKey } from './presented.js';
import { optionsSchema } from './schema.js';
import { CALLER_OF } from './contract.js';
import type { AuthOptions } from './schema.js';

export { hashKey, KeyTable, globToRegExp, allowsModel, allowsProvider, allowsTarget } from './key-table.js';
export type { GatewayKey, GatewayKeyConfig, Lookup } from './key-table.js';
export type { AuthOptions } from './schema.js';
export { presentedKey, keyInQuery, QUERY_KEY_PARAMS } from './presented.js';
export { keyListing } from './listing.js';
export { CALLER_OF } from './contract.js';
export type { KeyListing } from './listing.js';

export const PLUGIN = 'auth';
/** beforeRoute stage of authentication: before limits and request checks at the default stage 0. */
export const AUTHENTICATE_STAGE = -100;

const CHALLENGE = { 'www-authenticate': 'Bearer realm="switchyard"' };
const HOW = 'send it as "Authorization: Bearer <key>", "x-api-key: <key>" or "x-goog-api-key: <key>"';

/** Gateway keys: who may call, which models and providers, and who may use /admin/*; GET /admin/keys lists them (never the keys). */
export function auth(): Plugin<AuthOptions> {
  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    provides: [CALLER_OF],
    apply(gateway, options) {
      let table: KeyTable;
      try {
        table = new KeyTable(options.keys);
      } catch (err) {
        if (!(err instanceof KeyConfigError)) throw err;
        throw new SwitchyardError('SWITCHYARD_ERR_PLUGIN_OPTIONS', err.problems.map((p) => `plugins.auth.${p}`).join('\n'));
      }
      const listing = keyListing(options.keys);
      gateway.routes.add({ method: 'GET', path: '/admin/keys', plugin: PLUGIN, handle: () => ({ body: { keys: listing(Date.now()) } }) });
      if (table.size === 0) return;
      gateway.security.authenticatesCallers = true;
      const names = new Set(options.keys.map((k) => k.name));
      gateway.security.isKnownCaller = (name) => names.has(name);
      gateway.security.authorizeAdmin = adminAuthorizer(table);
      gateway.security.authorizeCaller = (headers, url) => authenticate(table, headers, url, gateway.logger).error;
      gateway.provide(CALLER_OF, (headers, url) => authenticate(table, headers, url, gateway.logger).key?.caller);
      gateway.hooks.beforeRoute.tap({ name: PLUGIN, stage: AUTHENTICATE_STAGE }, (x) => admit(table, x, gateway.logger));
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, filterTargets);
    },
  });
}
export default auth;

/** The authenticated key of a request whose key restricts models or providers, for filterTargets. */
const CALLER_KEY = exchangeKey<GatewayKey>('auth:key');

function admit(table: KeyTable, x: Exchange, logger: Logger): ReplyType | undefined {
  const { key, error } = authenticate(table, x.headers, x.url, logger, x.id);
  if (error) return Reply.error(error);
  if (!allowsModel(key!, x.model)) {
    logger.info({ plugin: PLUGIN, caller: key!.name, model: x.model, requestId: x.id }, 'gateway key not allowed this model');
    return Reply.error(modelNotAllowed(x.model));
  }
  x.caller = key!.caller;
  if (key!.providers || !key!.anyModel) x.set(CALLER_KEY, key!);
  return undefined;
}

function modelNotAllowed(model: string): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_FORBIDDEN', `this gateway key may not use the model \`${model}\``, { publicCode: 'model_not_allowed', param: 'model' });
}

/**
 * The key's allow-lists applied to what would be sent upstream: each target's instance and the
 * model it would receive (an alias, `instance/model`, a `tag:` query or a prefix claim cannot
 * step around them). When the models allow-list alone empties the plan, the answer is 403.
 */
function filterTargets(plan: Exchange['plan'], x: Exchange): Exchange['plan'] {
  const key = x.get(CALLER_KEY);
  if (!key || plan.size === 0) return plan;
  if (key.providers) plan.exclude(PLUGIN, (t) => !allowsProvider(key, t.instance.name, t.instance.type), `gateway key "${key.name}" may not use this provider`);
  if (key.anyModel || plan.size === 0) return plan;
  plan.exclude(PLUGIN, (t) => !allowsTarget(key, x.model, t), (t) => `gateway key "${key.name}" may not use the model ${t.model}`);
  if (plan.size === 0) throw modelNotAllowed(x.model);
  return plan;
}

function authenticate(
  table: KeyTable,
  headers: IncomingHttpHeaders,
  url: string,
  logger: Logger,
  requestId?: string,
): { key?: GatewayKey; error?: SwitchyardError } {
  const refuse = (message: string, publicCode: string, reason: string, name?: string): { error: SwitchyardError } => {
    logger.info({ plugin: PLUGIN, reason, ...(name ? { caller: name } : {}), ...(requestId ? { requestId } : {}) }, 'gateway key refused');
    return { error: new SwitchyardError('SWITCHYARD_ERR_UNAUTHORIZED', message, { publicCode, headers: CHALLENGE }) };
  };
  const param = keyInQuery(url);
  if (param !== undefined) {
    return refuse(`gateway keys are not accepted in the URL query string (found "${param}"): URLs end up in logs and proxies; ${HOW}`, 'key_in_query', 'key in query string');
  }
  const presented = presentedKey(headers);
  if (presented.kind === 'missing') return refuse(`missing gateway key: ${HOW}`, 'missing_api_key', 'missing');
  if (presented.kind === 'malformed') return refuse(`malformed gateway key: ${presented.why}`, 'invalid_api_key', 'malformed');
  const found = table.lookup(presented.key);
  if (!found.ok) {
    if (found.reason === 'unknown') return refuse('invalid gateway key', 'invalid_api_key', 'unknown key');
    const why = found.reason === 'disabled' ? 'this gateway key is disabled' : 'this gateway key has expired';
    return refuse(why, found.reason === 'disabled' ? 'key_disabled' : 'key_expired', found.reason, found.key?.name);
  }
  return { key: found.key };
}

function adminAuthorizer(table: KeyTable): AdminAuthorizer {
  return (headers) => {
    const presented = presentedKey(headers);
    if (presented.kind !== 'key') return 'unauthorized';
    const found = table.lookup(presented.key);
    if (!found.ok) return 'unauthorized';
    return found.key.admin ? 'ok' : 'forbidden';
  };
}
