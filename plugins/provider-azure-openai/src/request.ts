import { SwitchyardError } from '@switchyard/core';
import type { Exchange, UpstreamRequest } from '@switchyard/core';
import { azureUrl } from './adapter.js';
import { deploymentOf } from './deployments.js';

/** OpenAI wire format: the caller's body with the deployment as model; Azure's URL and api-version. Credentials come later (AUTH_STAGE). */
export function buildAzureRequest(req: UpstreamRequest, x: Exchange): UpstreamRequest {
  const target = x.target!;
  const source = x.operation === 'chat' ? x.request : x.body;
  if (!source) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Azure OpenAI`);
  const deployment = deploymentOf(target.instance, target.model);
  req.url = azureUrl(target.instance, deployment, x.operation === 'embeddings' ? 'embeddings' : 'chat/completions');
  req.headers = { ...target.instance.headers, 'content-type': 'application/json' };
  if (req.stream) req.headers.accept = 'text/event-stream';
  req.body = { ...source, model: deployment };
  return req;
}
