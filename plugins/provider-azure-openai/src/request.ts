import { SwitchyardError, targetOutputTokens, withoutReasoningBlocks } from '@switchyard/core';
import type { ChatRequest, Exchange, Gateway, UpstreamRequest } from '@switchyard/core';
import { azureUrl } from './adapter.js';
import { deploymentOf } from './deployments.js';

/** A chat body for the deployment: output tokens fitted to the model, no reasoning blocks (Chat Completions takes none back). */
function chatBody(body: ChatRequest, x: Exchange, gateway: Gateway): ChatRequest {
  for (const field of ['max_completion_tokens', 'max_tokens'] as const) {
    const asked = body[field];
    if (typeof asked === 'number') body[field] = targetOutputTokens(gateway, x, asked, field);
  }
  if (Array.isArray(body.messages)) body.messages = withoutReasoningBlocks(body.messages, (m) => x.warn(m), 'Azure OpenAI Chat Completions');
  return body;
}

/** OpenAI wire format: the caller's body with the deployment as model; Azure's URL and api-version. Credentials come later (AUTH_STAGE). */
export function buildAzureRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const target = x.target!;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Azure OpenAI`);
  const deployment = deploymentOf(target.instance, target.model);
  req.url = azureUrl(target.instance, deployment, x.operation === 'embeddings' ? 'embeddings' : 'chat/completions');
  req.headers = { ...target.instance.headers, 'content-type': 'application/json' };
  if (req.stream) req.headers.accept = 'text/event-stream';
  const body = { ...source, model: deployment };
  req.body = x.operation === 'chat' ? chatBody(body as ChatRequest, x, gateway) : body;
  return req;
}
