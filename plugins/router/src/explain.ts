import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Exchange, SwitchyardError, toSwitchyardError } from '@switchyard/core';
import { noTargetError, RoutePlan } from '@switchyard/core/routing';
import type { Caller, Gateway } from '@switchyard/core';

export interface ExplainOptions {
  /** The body's inbound protocol, by name. @default 'openai' */
  protocol?: string;
  /** Request headers routing reads (`x-switchyard-*`, affinity headers). */
  headers?: IncomingHttpHeaders;
  /** Who is asking, for per-key routing. */
  caller?: Caller;
}

export interface Explained {
  /** The dry-run exchange: its plan says what every selectRoute tap did. */
  readonly exchange: Exchange;
  /** What the caller would get instead of an answer: a routing error, or the no-target error of an empty plan. */
  readonly error?: SwitchyardError;
}

/** Runs selectRoute for a chat body as a dry run: no upstream call, no plugin side effect. An invalid body throws its 400. */
export async function explain(
  gateway: Gateway,
  request: Record<string, unknown>,
  options: ExplainOptions = {},
): Promise<Explained> {
  const { hooks, protocols } = gateway;
  const name = options.protocol ?? 'openai';
  const route = protocols.get(name)?.routes.find((r) => r.operation === 'chat');
  if (!route)
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      `protocol: no chat protocol named "${name}" (known: ${protocols.names().join(', ')})`,
      { param: 'protocol', publicCode: 'invalid_request' },
    );
  const body = structuredClone(request);
  const headers = options.headers ?? {};
  const decoded = await route.decode(body, headers);
  const x = new Exchange({
    id: randomUUID(),
    protocol: name,
    operation: 'chat',
    body,
    request: decoded.request,
    headers,
    plan: new RoutePlan(),
    dryRun: true,
  });
  if (options.caller) x.caller = options.caller;
  try {
    await hooks.selectRoute.promise(x.plan, x);
  } catch (err) {
    return { exchange: x, error: toSwitchyardError(err) };
  }
  return x.plan.size === 0 ? { exchange: x, error: noTargetError(x) } : { exchange: x };
}
