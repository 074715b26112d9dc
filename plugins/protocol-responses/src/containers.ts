import { NOTHING, Reply, SwitchyardError } from '@switchyard/core';
import type { Exchange, Gateway } from '@switchyard/core';
import { keptScope } from '@switchyard/plugin-auth/contract';
import { UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';

/**
 * Code-interpreter containers belong to the gateway key they were made for. A container keeps the
 * files and outputs of its session upstream, in the account every gateway key shares, and a
 * `code_interpreter` tool naming its id continues there: with gateway keys, a key may name only a
 * container an answer to it made (a `code_interpreter_call`'s `container_id`).
 */

/** How long a container's owner is kept: a day, well past the container's own life upstream. */
const OWNER_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PREFIX = 'responses-containers:';
/** beforeRoute: after authentication (-100: the caller is known), before limits and caches (0). */
const CHECK_STAGE = -50;
const NAME = 'protocol-responses:containers';

/** The `code_interpreter` tools of a request: the container ids they name, and whether there is any. */
function codeInterpreter(body: Record<string, unknown>): { used: boolean; ids: string[] } {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ type?: unknown; container?: unknown }>) : [];
  const used = tools.filter((t) => t?.type === 'code_interpreter');
  return { used: used.length > 0, ids: used.flatMap((t) => (typeof t.container === 'string' ? [t.container] : [])) };
}

const ownerKey = (scope: string, id: string): string => `${KEY_PREFIX}${encodeURIComponent(scope)}:${id}`;

/** Refuses a container not made for the calling key; records the containers answers to a key made. */
export function guardContainers(gateway: Gateway, protocol: string): void {
  gateway.hooks.beforeRoute.tapPromise({ name: NAME, stage: CHECK_STAGE }, (x) => {
    if (x.protocol !== protocol || !x.caller) return NOTHING;
    const { used, ids } = codeInterpreter(x.body);
    // The upstream's answer is what names the containers it made for this key.
    if (used) x.captureResponse = true;
    return ids.length ? check(gateway, x, ids) : NOTHING;
  });
  gateway.hooks.onResult.tapPromise(NAME, (result, x) =>
    result.outcome === 'success' && x.protocol === protocol && x.caller ? record(gateway, x) : NOTHING,
  );
}

/** Keeps, for the calling key, the containers its answer's code_interpreter_call items ran in. */
async function record(gateway: Gateway, x: Exchange): Promise<void> {
  const scope = keptScope(x.caller);
  const ids = new Set<string>();
  for (const item of x.get(UPSTREAM_RESPONSE)?.output ?? [])
    if (item.type === 'code_interpreter_call' && typeof item.container_id === 'string') ids.add(item.container_id);
  await Promise.all([...ids].map((id) => gateway.store.set(ownerKey(scope, id), 1, OWNER_TTL_MS)));
}

async function check(gateway: Gateway, x: Exchange, ids: readonly string[]): Promise<Reply | undefined> {
  const scope = keptScope(x.caller);
  let owned: unknown[];
  try {
    owned = await Promise.all(ids.map((id) => gateway.store.get(ownerKey(scope, id))));
  } catch (err) {
    gateway.logger.warn({ err, plugin: NAME, requestId: x.id }, 'container owners unavailable');
    return Reply.error(
      new SwitchyardError('SWITCHYARD_ERR_INTERNAL', 'the gateway could not check the container; try again', {
        expose: true,
        cause: err,
      }),
    );
  }
  const foreign = ids.find((_, i) => owned[i] === undefined);
  if (foreign === undefined) return undefined;
  // The same answer for another key's container and for none: which ids exist is not told.
  return Reply.error(
    new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', `Container with id '${foreign}' not found.`, {
      param: 'tools',
    }),
  );
}
