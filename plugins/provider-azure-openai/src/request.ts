import { SwitchyardError } from '@switchyard/core';
import { MODEL_INFO, targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { ChatRequest } from '@switchyard/core/protocol';
import type { Exchange, Gateway, UpstreamRequest } from '@switchyard/core';
import {
  fitReasoningFields,
  fitWebSearch,
  hasReasoningFields,
  withoutLiveSearch,
  withoutReasoningBlocks,
} from '@switchyard/wire-chat';
import { fitResponsesFields, withoutSealedReasoning } from '@switchyard/wire-openai-responses';
import { azureUrl, protocolFor } from './adapter.js';
import { deploymentOf } from './deployments.js';
import { optionsOf } from './instance-fields.js';

/**
 * A chat body for the deployment: output tokens fitted to the model, no reasoning blocks (Chat
 * Completions takes none back), and the reasoning fields the model takes (see fitReasoningFields).
 */
function chatBody(body: ChatRequest, x: Exchange, gateway: Gateway): ChatRequest {
  delete body.reasoning_summary; // Switchyard's, not Azure's
  delete body.max_web_searches; // Switchyard's, not Azure's
  withoutLiveSearch(body as ChatRequest & { search_parameters?: unknown }, (m) => x.warn(m));
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const asked = body[field];
    if (typeof asked === 'number') body[field] = targetOutputTokens(gateway, x, asked, field);
  }
  if (Array.isArray(body.messages))
    body.messages = withoutReasoningBlocks(body.messages, (m) => x.warn(m), 'Azure OpenAI Chat Completions');
  if (hasReasoningFields(body)) {
    const reasoning = gateway.contract(MODEL_INFO)?.forTarget(x.target!)?.reasoning;
    fitReasoningFields(body, x.target!.model, reasoning, (m) => x.warn(m), x.protocol === 'openai');
  }
  fitWebSearch(body, x.target!.model, x.protocol !== 'openai', (m) => x.warn(m));
  return body;
}

/** A Responses caller's body, as sent but for the deployment, fitted output tokens and model fields, and no reasoning another provider made. */
function responsesBody(x: Exchange, deployment: string, gateway: Gateway): Record<string, unknown> {
  const body: Record<string, unknown> = { ...x.body, model: deployment };
  if (typeof body.max_output_tokens === 'number')
    body.max_output_tokens = targetOutputTokens(gateway, x, body.max_output_tokens, 'max_output_tokens');
  const target = x.target!;
  fitResponsesFields(body, target.model, gateway.contract(MODEL_INFO)?.forTarget(target)?.reasoning, (m) => x.warn(m));
  return withoutSealedReasoning(body, (m) => x.warn(m), 'Azure OpenAI');
}

/** OpenAI wire format: the caller's body with the deployment as model; Azure's URL and api-version. Credentials come later (AUTH_STAGE). */
export function buildAzureRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source)
    throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Azure OpenAI`);
  // A Responses caller's own body goes to a Responses deployment: its fields count, not only the canonical request's.
  const named = source.data_sources ?? x.body.data_sources;
  if (named != null && !optionsOf(target.instance).allowDataSources)
    throw new SwitchyardError(
      'SWITCHYARD_ERR_INVALID_REQUEST',
      "data_sources: Azure On Your Data is not served to gateway callers (Azure would query the data source with the gateway's resource identity and bill what it retrieved unreserved; the instance's allowDataSources lets it through)",
      { param: 'data_sources' },
    );
  const deployment = deploymentOf(target.instance, target.model);
  req.headers = { ...target.instance.headers, 'content-type': 'application/json' };
  if (req.stream) req.headers.accept = 'text/event-stream';
  if (x.operation === 'chat' && protocolFor(target, x.protocol) === 'openai-responses') {
    req.url = azureUrl(target.instance, deployment, 'responses');
    req.body = responsesBody(x, deployment, gateway);
    return req;
  }
  req.url = azureUrl(target.instance, deployment, x.operation === 'embeddings' ? 'embeddings' : 'chat/completions');
  const body: Record<string, unknown> = { ...source, model: deployment };
  // Ask a stream for its final usage when the caller did not, so that it is priced (the usage chunk is
  // then kept from that caller). stream_options exists from api-version 2024-09-01-preview on.
  const { apiVersion } = optionsOf(target.instance);
  if (
    req.stream &&
    x.operation === 'chat' &&
    x.request?.stream_options?.include_usage !== true &&
    takesNewChatFields(apiVersion)
  )
    body.stream_options = { ...x.request?.stream_options, include_usage: true };
  if (x.operation !== 'chat') {
    req.body = body;
    return req;
  }
  const chat = chatBody(body as ChatRequest, x, gateway) as unknown as Record<string, unknown>;
  if (!takesNewChatFields(apiVersion)) fitToOldApiVersion(chat, apiVersion, x);
  req.body = chat;
  return req;
}

/** `stream_options` and `max_completion_tokens` exist from api-version 2024-09-01-preview on (and in the v1 API). */
function takesNewChatFields(apiVersion: string): boolean {
  return apiVersion === 'v1' || apiVersion >= '2024-09-01-preview';
}

/**
 * A chat body for an api-version before 2024-09-01-preview, which refuses `stream_options` and
 * `max_completion_tokens` as unrecognized arguments: the first left out (the stream's usage is then
 * not reported), the second sent as `max_tokens`. Named in a warning where the OpenAI caller wrote
 * them; a converted request's are the conversion's.
 */
function fitToOldApiVersion(body: Record<string, unknown>, apiVersion: string, x: Exchange): void {
  const warn = (m: string): void => (x.protocol === 'openai' ? x.warn(m) : undefined);
  if (body.stream_options != null) {
    warn(`stream_options dropped (api-version ${apiVersion} does not take it)`);
    delete body.stream_options;
  }
  if (body.max_completion_tokens != null) {
    warn(`max_completion_tokens sent as max_tokens (api-version ${apiVersion} does not take it)`);
    // The caller's max_completion_tokens wins over a max_tokens beside it, as budgets and limits reserved the larger of the two.
    body.max_tokens = body.max_completion_tokens;
    delete body.max_completion_tokens;
  }
}
