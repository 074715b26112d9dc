import type { IncomingHttpHeaders } from 'node:http';
import { CAPTURED_COMPLETION, INBOUND_WARNINGS, requestValidator } from '@switchyard/core/protocol';
import { contract, definePlugin, errorCode, NOTHING, Reply, RouteStage, SwitchyardError } from '@switchyard/core';
import type { Caller, Exchange, Gateway, Plugin, Target } from '@switchyard/core';
import type { ChatRequest, InboundProtocol } from '@switchyard/core/protocol';
import type { RoutePlan } from '@switchyard/core/routing';
import { CONTINUATION, inputItems, responsesToCanonical, UPSTREAM_RESPONSE } from '@switchyard/wire-openai-responses';
import type { ResponseObject, ResponsesRequest } from '@switchyard/wire-openai-responses';
import { PROTOCOL, responsesCodec, servedResponse } from './codec.js';
import { continued, referencedIds, resolved } from './conversation.js';
import { SERVED, TURN } from './keys.js';
import { optionsSchema } from './options.js';
import type { ResponsesProtocolOptions } from './options.js';
import { storedResponseRoutes } from './routes.js';
import { responsesRequestSchema } from './schema.js';
import { MemoryBackend, ResponseStore, StoreBackend } from './store.js';
import type { StoredResponse } from './store.js';

export const PLUGIN = 'protocol-responses';
export { PROTOCOL, responsesCodec } from './codec.js';
export { optionsSchema } from './options.js';
export type { ResponsesProtocolOptions } from './options.js';
export { responsesRequestSchema } from './schema.js';
export { ResponseStore, MemoryBackend, StoreBackend } from './store.js';
export type { Backend, StoredResponse } from './store.js';

/** beforeRoute stage of continuing a conversation: after authentication (-100: the caller is known), before limits and caches (0). */
export const CONTINUE_STAGE = -50;

/** Who calls a route that runs no hooks; provided by an auth plugin that has keys. */
const CALLER_OF = contract<(headers: IncomingHttpHeaders, url: string) => Caller | undefined>('auth:caller-of');

export const STORE_UNAVAILABLE = errorCode('SWITCHYARD_ERR_RESPONSE_STORE_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'gateway',
  kind: 'response_store_unavailable',
});

const validate = requestValidator(responsesRequestSchema);

function invalid(message: string, param: string, publicCode = 'invalid_request'): SwitchyardError {
  return new SwitchyardError('SWITCHYARD_ERR_INVALID_REQUEST', message, { param, publicCode });
}

/**
 * The OpenAI Responses API for callers (Codex CLI, the OpenAI Agents SDK, the AI SDK's default
 * OpenAI provider, `openai.responses.*`): `POST /v1/responses`, streaming or not, passed through
 * to upstreams speaking it and converted for the others; responses kept in the gateway store for
 * `previous_response_id`, item references and `GET`/`DELETE /v1/responses/{id}`, on any upstream.
 */
export function protocolResponses(): Plugin<ResponsesProtocolOptions> {
  /** Per canonical request: why only a Responses upstream can serve it. */
  const requirements = new WeakMap<ChatRequest, readonly string[]>();
  const decode = (body: Record<string, unknown>): { request: ChatRequest; warnings: string[] } => {
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
          validate(body);
          if (body.background === true)
            throw invalid('background: background responses are not run by the gateway', 'background');
          if (body.conversation != null)
            throw invalid(
              'conversation: the Conversations API is not served by the gateway (send the items, or previous_response_id)',
              'conversation',
            );
          if (body.input == null && body.previous_response_id == null && body.prompt == null)
            throw invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
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
      const settings = options.store;
      const store = settings.enabled
        ? new ResponseStore(
            gateway.store.kind === 'memory'
              ? gateway.keep(PLUGIN, `memory:${settings.maxBytes}`, () => new MemoryBackend(settings.maxBytes))
              : new StoreBackend(gateway.store),
            {
              ttlMs: settings.ttlSeconds * 1000,
              maxResponseBytes: settings.maxResponseBytes,
              prefix: settings.keyPrefix,
            },
          )
        : undefined;
      const unavailable = (err: unknown): SwitchyardError => {
        gateway.logger.warn({ err, plugin: PLUGIN }, 'response store unavailable');
        return new SwitchyardError(STORE_UNAVAILABLE, 'the gateway could not read its kept responses; try again', {
          expose: true,
          cause: err,
        });
      };

      /** Continues a conversation: the previous response's items and referenced items put in the input, canonical form redone. */
      const begin = async (x: Exchange): Promise<Reply | undefined> => {
        if (x.protocol !== PROTOCOL || !x.request) return undefined;
        const body = x.body as ResponsesRequest;
        const scope = x.caller?.name ?? '';
        const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : undefined;
        x.set(TURN, {
          scope,
          store: store !== undefined && body.store !== false,
          createdAt: Math.floor(Date.now() / 1000),
          ...(previous ? { previousResponseId: previous } : {}),
        });
        if (store && body.store !== false) x.captureResponse = true;
        let items = previous || Array.isArray(body.input) ? inputItems(body.input) : undefined;
        if (!items) return undefined;
        let changed = false;
        try {
          if (previous) {
            if (!store)
              return Reply.error(
                invalid(
                  'previous_response_id: the gateway keeps no responses (plugins.protocol-responses.store.enabled is false)',
                  'previous_response_id',
                ),
              );
            const record = await store.load(scope, previous);
            if (!record)
              return Reply.error(
                invalid(
                  `Previous response with id '${previous}' not found.`,
                  'previous_response_id',
                  'previous_response_not_found',
                ),
              );
            if (record.upstream)
              x.set(CONTINUATION, { instance: record.upstream, previousResponseId: previous, input: body.input });
            items = continued(record, body.input);
            changed = true;
          }
          const ids = store ? referencedIds(items) : [];
          if (ids.length) {
            const found = await store!.items(scope, ids);
            if (found.size) {
              items = resolved(items, found);
              changed = true;
            }
          }
        } catch (err) {
          return Reply.error(unavailable(err));
        }
        if (!changed) return undefined;
        body.input = items;
        delete body.previous_response_id;
        const next = decode(x.body);
        // The exchange keeps its request object (plugins may hold it): its contents are replaced.
        const request = x.request;
        for (const key of Object.keys(request)) Reflect.deleteProperty(request, key);
        Object.assign(request, next.request);
        requirements.set(request, requirements.get(next.request) ?? []);
        x.set(INBOUND_WARNINGS, next.warnings);
        return undefined;
      };

      /** What only a Responses upstream can serve (a required hosted tool, …) excludes the others; none left is a 400. */
      const speaksResponses = (t: Target): boolean => {
        const adapter = gateway.providers.get(t.instance.type);
        return (adapter?.protocolFor ? adapter.protocolFor(t, PROTOCOL) : adapter?.protocol) === PROTOCOL;
      };
      const filter = (plan: RoutePlan, x: Exchange): RoutePlan => {
        const needs = x.protocol === PROTOCOL && x.request ? requirements.get(x.request) : undefined;
        if (!needs?.length || plan.size === 0) return plan;
        const why = needs.join('; ');
        plan.exclude(
          PLUGIN,
          (t) => !speaksResponses(t),
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
      };

      /** Keeps the served response (before its body or last event reaches the caller, for answers that came from an upstream). */
      const keep = async (x: Exchange): Promise<void> => {
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
          gateway.logger.warn({ err, plugin: PLUGIN, requestId: x.id }, 'response not kept: the store is unavailable');
          x.warn(`response ${response.id} not kept: the gateway store is unavailable`);
        }
      };

      // Requests of other protocols pass at once (NOTHING), without a promise of their own.
      gateway.hooks.beforeRoute.tapPromise({ name: PLUGIN, stage: CONTINUE_STAGE }, (x) =>
        x.protocol === PROTOCOL && x.request ? begin(x) : NOTHING,
      );
      gateway.hooks.selectRoute.tap({ name: PLUGIN, stage: RouteStage.FILTER }, filter);
      gateway.hooks.onResult.tapPromise(PLUGIN, (result, x) =>
        result.outcome === 'success' && x.protocol === PROTOCOL ? keep(x) : NOTHING,
      );
      // Answers no upstream gave (a response cache's replay) are kept once written.
      gateway.hooks.onFinish.tapPromise(PLUGIN, (x) =>
        x.protocol === PROTOCOL && x.response?.status === 200 && x.results.length === 0 ? keep(x) : NOTHING,
      );
      for (const route of storedResponseRoutes(PLUGIN, store, scopeOf(gateway))) gateway.routes.add(route);
    },
  });
}

/** The caller scope of a hook-less route: the gateway key's name as the auth plugin reads it, '' without keys. */
function scopeOf(gateway: Gateway): (req: { headers: IncomingHttpHeaders; url: string }) => string {
  return (req) => gateway.contract(CALLER_OF)?.(req.headers, req.url)?.name ?? '';
}

export default protocolResponses;
