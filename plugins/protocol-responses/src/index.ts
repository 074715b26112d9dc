import type { IncomingHttpHeaders } from 'node:http';
import { CAPTURED_COMPLETION, INBOUND_WARNINGS, requestValidator } from '@switchyard/core/protocol';
import { definePlugin, NOTHING, Reply, RouteStage, SwitchyardError } from '@switchyard/core';
import type { Exchange, Gateway, Plugin, Target } from '@switchyard/core';
import { CALLER_OF, keptScope } from '@switchyard/plugin-auth/contract';
import type { ChatRequest, InboundProtocol } from '@switchyard/core/protocol';
import type { RoutePlan } from '@switchyard/core/routing';
import { CONTINUATION, inputItems, responsesToCanonical, UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';
import type { ResponseObject, ResponsesItem, ResponsesRequest } from '@switchyard/wire-openai-responses';
import { PROTOCOL, responsesCodec, servedResponse } from './codec.js';
import { guardContainers } from './containers.js';
import { continued, referencedIds, resolved } from './conversation.js';
import { SERVED, TURN } from './keys.js';
import { optionsSchema } from './options.js';
import type { ResponsesProtocolOptions } from './options.js';
import { storedResponseRoutes } from './routes.js';
import { responsesRequestSchema } from './schema.js';
import { MemoryBackend, ResponseStore, STORE_UNAVAILABLE, StoreBackend, storeUnavailable } from './store.js';
import type { StoredResponse } from './store.js';

export const PLUGIN = 'protocol-responses';
export { PROTOCOL, responsesCodec } from './codec.js';
export { optionsSchema } from './options.js';
export type { ResponsesProtocolOptions } from './options.js';
export { responsesRequestSchema } from './schema.js';
export { ResponseStore, MemoryBackend, STORE_UNAVAILABLE, StoreBackend } from './store.js';
export type { Backend, StoredResponse } from './store.js';

/** beforeRoute stage of continuing a conversation: after authentication (-100: the caller is known), before limits and caches (0). */
export const CONTINUE_STAGE = -50;

const validate = requestValidator(responsesRequestSchema);

function invalid(message: string, param: string, publicCode = 'invalid_request'): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', message, { param, publicCode });
}

/** The body's refusals before it is decoded: fields the gateway does not serve, a missing input. */
function checkRequest(body: Record<string, unknown>): void {
  validate(body);
  if (body.background === true)
    throw invalid('background: background responses are not run by the gateway', 'background');
  if (body.conversation != null)
    throw invalid(
      'conversation: the Conversations API is not served by the gateway (send the items, or previous_response_id)',
      'conversation',
    );
  if (body.prompt != null)
    throw invalid(
      'prompt: stored prompts are not served by the gateway (it cannot see what the template adds, so cannot reserve or limit it: send its instructions and input)',
      'prompt',
    );
  if (body.input == null && body.previous_response_id == null)
    throw invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
}

/** A Responses body → its canonical request and what converting it lost. */
type Decode = (body: Record<string, unknown>) => { request: ChatRequest; warnings: string[] };

/**
 * The OpenAI Responses API for callers (Codex CLI, the OpenAI Agents SDK, the AI SDK's default
 * OpenAI provider, `openai.responses.*`): `POST /v1/responses`, streaming or not, passed through
 * to upstreams speaking it and converted for the others; responses kept in the gateway store for
 * `previous_response_id`, item references and `GET`/`DELETE /v1/responses/{id}`, on any upstream.
 */
export function protocolResponses(): Plugin<ResponsesProtocolOptions> {
  /** Per canonical request: why only a Responses upstream can serve it. */
  const requirements = new WeakMap<ChatRequest, readonly string[]>();
  const decode: Decode = (body) => {
    const conversion = responsesToCanonical(body as unknown as ResponsesRequest);
    requirements.set(conversion.request, conversion.requires);
    return { request: conversion.request, warnings: conversion.warnings };
  };
  const protocol: InboundProtocol = {
    ...responsesCodec(),
    paths: ['/v1/responses'],
    routes: [
      {
        path: '/v1/responses',
        operation: 'chat',
        decode(body) {
          checkRequest(body);
          return decode(body);
        },
      },
    ],
  };

  return definePlugin({
    name: PLUGIN,
    options: optionsSchema,
    protocols: [protocol],
    errors: [STORE_UNAVAILABLE],
    apply(gateway, options) {
      const store = responseStore(gateway, options.store);
      const conversations = new Conversations(gateway, store, requirements, decode);
      // Requests of other protocols pass at once (NOTHING), without a promise of their own.
      gateway.hooks.beforeRoute.tapPromise({ name: PLUGIN, stage: CONTINUE_STAGE }, (x) =>
        x.protocol === PROTOCOL && x.request ? conversations.begin(x) : NOTHING,
      );
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, (plan, x) =>
        onlyResponsesUpstreams(gateway, requirements, plan, x),
      );
      gateway.hooks.onResult.tapPromise(PLUGIN, (result, x) =>
        result.outcome === 'success' && x.protocol === PROTOCOL ? conversations.keep(x) : NOTHING,
      );
      // Answers no upstream gave (a response cache's replay) are kept once written.
      gateway.hooks.onFinish.tapPromise(PLUGIN, (x) =>
        x.protocol === PROTOCOL && x.response?.status === 200 && x.results.length === 0
          ? conversations.keep(x)
          : NOTHING,
      );
      for (const route of storedResponseRoutes(PLUGIN, store, scopeOf(gateway))) gateway.routes.add(route);
      guardContainers(gateway, PROTOCOL);
    },
  });
}

/** The store of kept responses, none when disabled: in this process (kept across reloads) or in the gateway store. */
function responseStore(gateway: Gateway, settings: ResponsesProtocolOptions['store']): ResponseStore | undefined {
  if (!settings.enabled) return undefined;
  return new ResponseStore(
    gateway.store.kind === 'memory'
      ? gateway.keep(PLUGIN, `memory:${settings.maxBytes}`, () => new MemoryBackend(settings.maxBytes))
      : new StoreBackend(gateway.store),
    {
      ttlMs: settings.ttlSeconds * 1000,
      maxResponseBytes: settings.maxResponseBytes,
      prefix: settings.keyPrefix,
    },
  );
}

/** Whether a target's upstream speaks the Responses API. */
function speaksResponses(gateway: Gateway, t: Target): boolean {
  return gateway.providers.protocolFor(t, PROTOCOL) === PROTOCOL;
}

/** What only a Responses upstream can serve (a required hosted tool, …) excludes the others; none left is a 400. */
function onlyResponsesUpstreams(
  gateway: Gateway,
  requirements: WeakMap<ChatRequest, readonly string[]>,
  plan: RoutePlan,
  x: Exchange,
): RoutePlan {
  const needs = x.protocol === PROTOCOL && x.request ? requirements.get(x.request) : undefined;
  if (!needs?.length || plan.size === 0) return plan;
  const why = needs.join('; ');
  plan.exclude(
    PLUGIN,
    (t) => !speaksResponses(gateway, t),
    `${why}: only an upstream speaking the Responses API can serve it`,
  );
  if (plan.size === 0) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UNSUPPORTED',
      `${why}; no target of ${x.model} speaks the Responses API, and dropping it would change the answer`,
      { publicCode: 'unsupported_by_target' },
    );
  }
  return plan;
}

/**
 * The conversations of one plugin generation: a turn continues the one before it (`begin`, from
 * the kept responses) and its answer is kept for the next (`keep`).
 */
class Conversations {
  constructor(
    private readonly gateway: Gateway,
    private readonly store: ResponseStore | undefined,
    private readonly requirements: WeakMap<ChatRequest, readonly string[]>,
    private readonly decode: Decode,
  ) {}

  /** Continues a conversation: the previous response's items and referenced items put in the input, canonical form redone. */
  async begin(x: Exchange): Promise<Reply | undefined> {
    if (x.protocol !== PROTOCOL || !x.request) return undefined;
    const store = this.store;
    const body = x.body as ResponsesRequest;
    const scope = keptScope(x.caller);
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
    this.#startTurn(x, body, scope, previous);
    let items = previous || Array.isArray(body.input) ? inputItems(body.input) : undefined;
    if (!items) return undefined;
    let changed = false;
    try {
      if (previous) {
        if (!store) return Reply.error(storeDisabled());
        const record = await store.load(scope, previous);
        if (!record) return Reply.error(previousNotFound(previous));
        if (record.upstream)
          x.set(CONTINUATION, { instance: record.upstream, previousResponseId: previous, input: body.input });
        items = continued(record, body.input);
        changed = true;
      }
      // Without kept responses no reference can be checked as the caller's own, and the upstream's
      // store is the whole account's: with gateway keys, none is passed on.
      const unchecked = !store && x.caller ? items.find((i) => i.type === 'item_reference') : undefined;
      if (unchecked) return Reply.error(referenceUnchecked(unchecked.id as string));
      const ids = store ? referencedIds(items) : [];
      if (ids.length) {
        const found = await store!.items(scope, ids);
        // What the gateway keeps, the upstream keeps too: a reference it does not hold for this key
        // is another key's item (the upstream account is shared) or none, and is not passed on.
        const foreign = items.find((i) => i.type === 'item_reference' && !found.has(i.id as string));
        if (foreign) return Reply.error(itemNotFound(foreign.id as string));
        if (found.size) {
          items = resolved(items, found);
          changed = true;
        }
      }
    } catch (err) {
      return Reply.error(this.#unavailable(err));
    }
    if (changed) this.#redecode(x, body, items);
    return undefined;
  }

  /** Keeps the served response (before its body or last event reaches the caller, for answers that came from an upstream). */
  async keep(x: Exchange): Promise<void> {
    const store = this.store;
    const turn = x.get(TURN);
    if (!store || !turn?.store) return;
    const served = x.get(SERVED);
    if (served?.saved) return;
    const upstream = served ? undefined : x.get(UPSTREAM_RESPONSE);
    let response: ResponseObject | undefined = served?.response ?? upstream;
    if (!response) {
      const completion = x.get(CAPTURED_COMPLETION);
      if (completion) response = servedResponse(x, completion);
    }
    if (!response) return;
    const mark = x.get(SERVED) ?? { response };
    mark.saved = true;
    x.set(SERVED, mark);
    const body = x.body as ResponsesRequest;
    try {
      const record: StoredResponse = { v: 1, response, include: body.include ?? [], input: inputItems(body.input) };
      if (upstream && x.target) record.upstream = x.target.instance.name;
      const kept = await store.save(turn.scope, record);
      if (!kept)
        x.warn(`response ${response.id} not kept: larger than plugins.protocol-responses.store.maxResponseBytes`);
    } catch (err) {
      this.gateway.logger.warn({ err, plugin: PLUGIN, requestId: x.id }, 'response not kept: the store is unavailable');
      x.warn(`response ${response.id} not kept: the gateway store is unavailable`);
    }
  }

  /** What the rest of the exchange knows of this turn; the answer is captured when it is to be kept. */
  #startTurn(x: Exchange, body: ResponsesRequest, scope: string, previous: string | undefined): void {
    x.set(TURN, {
      scope,
      store: this.store !== undefined && body.store !== false,
      createdAt: Math.floor(Date.now() / 1000),
      ...(previous ? { previousResponseId: previous } : {}),
    });
    if (this.store && body.store !== false) x.captureResponse = true;
  }

  /** The body with its completed input, decoded again into the exchange's request. */
  #redecode(x: Exchange, body: ResponsesRequest, items: ResponsesItem[]): void {
    body.input = items;
    delete body.previous_response_id;
    const next = this.decode(x.body);
    // The exchange keeps its request object (plugins may hold it): its contents are replaced.
    const request = x.request!;
    for (const key of Object.keys(request)) Reflect.deleteProperty(request, key);
    Object.assign(request, next.request);
    this.requirements.set(request, this.requirements.get(next.request) ?? []);
    x.set(INBOUND_WARNINGS, next.warnings);
  }

  #unavailable(err: unknown): SwitchyardError {
    this.gateway.logger.warn({ err, plugin: PLUGIN }, 'response store unavailable');
    return storeUnavailable(err);
  }
}

function storeDisabled(): SwitchyardError {
  return invalid(
    'previous_response_id: the gateway keeps no responses (plugins.protocol-responses.store.enabled is false)',
    'previous_response_id',
  );
}

function previousNotFound(previous: string): SwitchyardError {
  return invalid(
    `Previous response with id '${previous}' not found.`,
    'previous_response_id',
    'previous_response_not_found',
  );
}

function referenceUnchecked(id: string): SwitchyardError {
  return invalid(
    `item_reference '${id}': the gateway keeps no responses (plugins.protocol-responses.store.enabled is false), so it cannot tell this key's items from another's; send the item itself`,
    'input',
    'item_not_found',
  );
}

function itemNotFound(id: string): SwitchyardError {
  return invalid(`Item with id '${id}' not found.`, 'input', 'item_not_found');
}

/** The caller scope of a hook-less route: the gateway key's as the auth plugin reads it, '' without keys. */
function scopeOf(gateway: Gateway): (req: { headers: IncomingHttpHeaders; url: string }) => string {
  return (req) => keptScope(gateway.contract(CALLER_OF)?.(req.headers, req.url));
}

export default protocolResponses;
