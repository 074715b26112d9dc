/** The Vertex AI wire request for one attempt: Gemini generateContent, or Claude rawPredict. Pure. */
import { SwitchyardError } from '@switchyard/core';
import { targetOutputTokens } from '@switchyard/plugin-models/contract';
import type { Exchange, Gateway, UpstreamRequest } from '@switchyard/core';
import { toMessagesRequest, withAnthropicSearchHistory, withMaxTokens } from '@switchyard/wire-anthropic';
import { toGenerateContent } from '@switchyard/wire-gemini';
import { isClaude, JSON_TOOL_KEY, modelUrl } from './adapter.js';
import { optionsOf } from './instance-fields.js';

/** Model-name prefixes of Claude models with extended thinking (as provider-anthropic's default). */
const THINKING_MODELS = ['claude-3-7-', 'claude-sonnet-4', 'claude-opus-4', 'claude-haiku-4'];
const THINKING_BUDGETS = { minimal: 1024, low: 2048, medium: 8192, high: 24576 };
/** An anthropic-version whose rules (sampling fields accepted) Claude on Vertex follows. */
const CONVERSION_VERSION = '2023-06-01';

/** The output-token field a canonical request asked with, for warnings. */
const askedField = (x: Exchange): string =>
  x.request?.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';

/** Output tokens fitted to the target model (`gateway`: its model table and routing.fitOutputTokens). */
export function buildVertexRequest(
  req: UpstreamRequest,
  x: Exchange,
  gateway: Pick<Gateway, 'config' | 'contract'>,
): UpstreamRequest {
  const target = x.target!;
  const o = optionsOf(target.instance);
  const warn = (m: string): void => x.warn(m);
  if (isClaude(target.model)) {
    req.url = modelUrl(target.instance, target.model, req.stream ? 'streamRawPredict' : 'rawPredict');
    const beta = x.headers['anthropic-beta'];
    if (beta) req.headers['anthropic-beta'] = Array.isArray(beta) ? beta.join(',') : beta;
    if (x.protocol === 'anthropic') {
      // Pass-through: the caller's body, every field kept, the model in the URL instead.
      const { model: _model, ...rest } = x.body as Record<string, unknown>;
      const body = withAnthropicSearchHistory<Record<string, unknown>>(
        { ...rest, anthropic_version: o.anthropicVersion },
        warn,
      );
      req.body =
        typeof body.max_tokens === 'number'
          ? withMaxTokens(body, targetOutputTokens(gateway, x, body.max_tokens)!, warn)
          : body;
      return req;
    }
    if (!x.request)
      throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Vertex AI`);
    const converted = toMessagesRequest(x.request, {
      model: target.model,
      version: CONVERSION_VERSION,
      defaultMaxTokens: o.defaultMaxTokens,
      jsonMode: 'tool',
      thinking: THINKING_MODELS.some((p) => target.model.startsWith(p)),
      thinkingBudgets: THINKING_BUDGETS,
    });
    for (const warning of converted.warnings) x.warn(warning);
    if (converted.jsonTool) x.set(JSON_TOOL_KEY, converted.jsonTool);
    const { model: _model, ...body } = converted.body;
    req.body = withMaxTokens(
      { ...body, anthropic_version: o.anthropicVersion },
      targetOutputTokens(gateway, x, body.max_tokens, askedField(x))!,
      warn,
    );
    return req;
  }
  if (!x.request)
    throw new SwitchyardError('SWITCHYARD_ERR_UNSUPPORTED', `${x.operation} is not supported by Vertex AI`);
  const body = toGenerateContent(x.request, target.model, o, warn);
  const asked = body.generationConfig?.maxOutputTokens;
  if (body.generationConfig && typeof asked === 'number')
    body.generationConfig.maxOutputTokens = targetOutputTokens(gateway, x, asked, askedField(x));
  req.body = body;
  req.url = req.stream
    ? `${modelUrl(target.instance, target.model, 'streamGenerateContent')}?alt=sse`
    : modelUrl(target.instance, target.model, 'generateContent');
  return req;
}
