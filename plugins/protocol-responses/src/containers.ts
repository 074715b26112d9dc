import { exchangeKey, NOTHING } from '@switchyard/core';
import type { Exchange, Gateway } from '@switchyard/core';
import { keyOwnedIds } from '@switchyard/plugin-auth/contract';
import { UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';

/**
 * Hosted containers belong to the gateway key they were made for. A container keeps the files and
 * outputs of its session upstream, in the account every gateway key shares, and a tool naming its
 * id continues there (`code_interpreter`'s `container`, a `shell`'s `environment` of type
 * `container_reference`): with gateway keys, a key may name only a container an answer to it made
 * (a `code_interpreter_call`'s `container_id`, a `shell_call`'s `environment.container_id`).
 */

/** How long a container's owner is kept: a day, well past the container's own life upstream. */
const OWNER_TTL_MS = 24 * 60 * 60 * 1000;
const KIND = 'responses-containers';
/** beforeRoute: after authentication (-100: the caller is known), before limits and caches (0). */
const CHECK_STAGE = -50;
const NAME = 'protocol-responses:containers';
/** Set when a request offers a tool run in a hosted container: its answer's containers are then recorded. */
const RECORD = exchangeKey<true>('protocol-responses:record-containers');

type Tool = { type?: unknown; container?: unknown; environment?: { type?: unknown; container_id?: unknown } | null };

/** The container a hosted-container tool names (null: one made for the request); undefined for other tools. */
function containerOf(tool: Tool | null): string | null | undefined {
  if (tool?.type === 'code_interpreter') return typeof tool.container === 'string' ? tool.container : null;
  const environment = tool?.type === 'shell' ? tool.environment : undefined;
  if (typeof environment?.type !== 'string' || !environment.type.startsWith('container')) return undefined;
  return typeof environment.container_id === 'string' ? environment.container_id : null;
}

/** The container ids a request's hosted-container tools name ([] when they name none); undefined without such a tool. */
function namedContainers(body: Record<string, unknown>): string[] | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  let ids: string[] | undefined;
  for (const tool of body.tools as Array<Tool | null>) {
    const id = containerOf(tool);
    if (id === undefined) continue;
    ids ??= [];
    if (id !== null) ids.push(id);
  }
  return ids;
}

/** Refuses a container not made for the calling key; records the containers answers to a key made. */
export function guardContainers(gateway: Gateway, protocol: string): void {
  const owned = keyOwnedIds(gateway, KIND, 'Container', OWNER_TTL_MS);
  gateway.hooks.beforeRoute.tapPromise({ name: NAME, stage: CHECK_STAGE }, (x) => {
    const ids = x.protocol === protocol && x.caller ? namedContainers(x.body) : undefined;
    if (!ids) return NOTHING;
    // The upstream's answer is what names the containers it made for this key.
    x.captureResponse = true;
    x.set(RECORD, true);
    return ids.length ? owned.refuseForeign(x, ids, 'tools') : NOTHING;
  });
  gateway.hooks.onResult.tapPromise(NAME, (result, x) =>
    result.outcome === 'success' && x.get(RECORD) ? record(x, owned.record) : NOTHING,
  );
}

/** Keeps, for the calling key, the containers its answer's code_interpreter_call and shell_call items ran in. */
async function record(x: Exchange, keep: (x: Exchange, id: string) => Promise<void>): Promise<void> {
  const ids = new Set<string>();
  for (const item of x.get(UPSTREAM_RESPONSE)?.output ?? []) {
    const id =
      item.type === 'code_interpreter_call'
        ? item.container_id
        : item.type === 'shell_call'
          ? (item.environment as Tool['environment'])?.container_id
          : undefined;
    if (typeof id === 'string') ids.add(id);
  }
  await Promise.all([...ids].map((id) => keep(x, id)));
}
