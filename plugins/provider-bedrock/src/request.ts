import { SwitchyardError } from '@switchyard/core';
import { instanceHeaderCache } from '@switchyard/wire-provider';
import { targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway, UpstreamRequest } from '@switchyard/core';
import { withoutReasoningBlocks } from '@switchyard/wire-chat';
import { withAnthropicSearchHistory, withMaxTokens } from '@switchyard/wire-anthropic';
import { JSON_TOOL_KEY, protocolFor } from './adapter.js';
import { toConverse } from './converse-request.js';
import { optionsOf } from './instance-fields.js';

const baseHeaders = instanceHeaderCache((instance) => ({ ...instance.headers, 'content-type': 'application/json' }));

/** BUILD: Claude for Anthropic callers → InvokeModel with the caller's body; everything else → Converse. Signed later (SIGN_STAGE). */
export function buildBedrockRequest(req: UpstreamRequest, x: Exchange, gateway: Gateway): UpstreamRequest {
  const warn = (m: string): void => x.warn(m);
  const target = x.target!;
  const base = `${target.instance.baseUrl}/model/${encodeURIComponent(target.model)}`;
  req.headers = baseHeaders(target.instance);
  req.headers.accept = req.stream ? 'application/vnd.amazon.eventstream' : 'application/json';
  if (protocolFor(target, x.protocol) === 'anthropic') {
    const { model: _model, stream: _stream, ...rest } = x.body as Record<string, unknown>;
    const body = withAnthropicSearchHistory<Record<string, unknown>>(
      { ...rest, anthropic_version: optionsOf(target.instance).anthropicVersion },
      warn,
    );
    const beta = x.headers['anthropic-beta'];
    const betas = (Array.isArray(beta) ? beta.join(',') : (beta ?? ''))
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (betas.length && body.anthropic_beta === undefined) body.anthropic_beta = betas;
    req.url = `${base}/${req.stream ? 'invoke-with-response-stream' : 'invoke'}`;
    req.body =
      typeof body.max_tokens === 'number'
        ? withMaxTokens(body, targetOutputTokens(gateway, x, body.max_tokens)!, warn)
        : body;
    return req;
  }
  if (!x.request) throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Bedrock`);
  const converted = toConverse(
    { ...x.request, messages: withoutReasoningBlocks(x.request.messages, warn, 'Bedrock Converse') },
    warn,
    x.target!.model,
  );
  const inference = converted.body.inferenceConfig;
  if (inference?.maxTokens !== undefined)
    inference.maxTokens = targetOutputTokens(
      gateway,
      x,
      inference.maxTokens,
      x.request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens',
    );
  if (converted.jsonTool) x.set(JSON_TOOL_KEY, converted.jsonTool);
  req.url = `${base}/${req.stream ? 'converse-stream' : 'converse'}`;
  req.body = converted.body;
  return req;
}
