import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { toSwitchyardError } from '../errors.js';
import type { SwitchyardError } from '../errors.js';
import { Exchange } from '../exchange.js';
import type { Caller } from '../exchange.js';
import type { GatewayHooks } from '../hooks.js';
import { anthropicToCanonical } from '../protocols/anthropic-convert.js';
import type { AnthropicMessagesRequest } from '../protocols/anthropic-types.js';
import type { ChatRequest } from '../protocols/canonical.js';
import { RoutePlan } from '../routing/route-plan.js';
import { noTargetError } from '../routing/core-taps.js';
import type { Protocol } from '../types.js';
import { requestValidator } from './body.js';
import { chatRequestSchema, messagesRequestSchema } from './request-schemas.js';

export interface ExplainOptions {
  /** The body's protocol. @default 'openai' */
  protocol?: Protocol;
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

const validate = { openai: requestValidator(chatRequestSchema), anthropic: requestValidator(messagesRequestSchema) };

/** Runs selectRoute for a body as a dry run: no upstream call, no plugin side effect. An invalid body throws its 400. */
export async function explain(hooks: GatewayHooks, request: Record<string, unknown>, options: ExplainOptions = {}): Promise<Explained> {
  const body = structuredClone(request);
  const protocol = options.protocol ?? 'openai';
  validate[protocol](body);
  const x = new Exchange({
    id: randomUUID(),
    protocol,
    operation: 'chat',
    body,
    request: protocol === 'anthropic' ? anthropicToCanonical(body as unknown as AnthropicMessagesRequest).request : (body as unknown as ChatRequest),
    headers: options.headers ?? {},
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
