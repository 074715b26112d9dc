import { exchangeKey, NOTHING } from '@switchyard/core';
import type { Exchange, Gateway } from '@switchyard/core';
import { keyOwnedIds } from '@switchyard/plugin-auth/contract';

/**
 * Code-execution containers belong to the gateway key they were made for. A container keeps the
 * files and outputs of its session upstream, in the account every gateway key shares, and a
 * request naming its id (`container`) continues there: with gateway keys, a key may name only a
 * container an answer to it made, so one key cannot read another's files.
 */

/** How long a container's owner is kept: a day, well past the container's own life upstream. */
const OWNER_TTL_MS = 24 * 60 * 60 * 1000;
const KIND = 'anthropic-containers';
/** beforeRoute: after authentication (-100: the caller is known), before limits and caches (0). */
const CHECK_STAGE = -50;
const NAME = 'protocol-anthropic:containers';

/** The container a pass-through answer named (a whole answer, or a stream's message_start or message_delta). */
export const ANSWER_CONTAINER = exchangeKey<string>('protocol-anthropic:answer-container');

/** `container.id` of a Messages answer or of a stream's message / delta, when it names one. */
export function containerIdOf(value: unknown): string | undefined {
  const id = (value as { container?: { id?: unknown } } | null)?.container?.id;
  return typeof id === 'string' ? id : undefined;
}

/** The field as raw JSON, made once: `Buffer#includes` would encode a string argument on every call. */
const CONTAINER_FIELD = Buffer.from('"container"');

/** Notes the container of a whole answer's bytes; parsed only when they mention one. */
export function noteAnswerContainer(bytes: Buffer, x: Exchange): void {
  if (!x.caller || !bytes.includes(CONTAINER_FIELD)) return;
  try {
    const id = containerIdOf(JSON.parse(bytes.toString('utf8')));
    if (id !== undefined) x.set(ANSWER_CONTAINER, id);
  } catch {
    /* not JSON: no container */
  }
}

/** The container id a request names: `container` as a string, or as `{ id }`. */
function requestedContainer(body: Record<string, unknown>): string | undefined {
  const container = body.container as unknown;
  if (typeof container === 'string') return container;
  const id = (container as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Refuses a container not made for the calling key; records the containers answers to a key made. */
export function guardContainers(gateway: Gateway, protocol: string): void {
  const owned = keyOwnedIds(gateway, KIND, 'Container', OWNER_TTL_MS);
  gateway.hooks.beforeRoute.tapPromise({ name: NAME, stage: CHECK_STAGE }, (x) => {
    const id = x.protocol === protocol && x.caller ? requestedContainer(x.body) : undefined;
    return id === undefined ? NOTHING : owned.refuseForeign(x, [id], 'container');
  });
  gateway.hooks.onResult.tapPromise(NAME, (result, x) => {
    if (result.outcome !== 'success' || x.protocol !== protocol || !x.caller) return NOTHING;
    const id = x.get(ANSWER_CONTAINER);
    return id === undefined ? NOTHING : owned.record(x, id);
  });
}
