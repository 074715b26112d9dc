import { SwitchyardError } from '../errors.js';
import { exchangeKey } from '../exchange.js';
import type { Exchange } from '../exchange.js';
import type { ModelInfo, ModelInfoTable } from '../models/model-info.js';
import type { ChatRequest } from '../protocols/canonical.js';
import type { Target } from '../types.js';

export const CAPABILITIES_TAP = 'switchyard:capabilities';

/** What a chat request needs of the model that serves it. */
export interface RequestNeeds {
  readonly vision: boolean;
  readonly tools: boolean;
  readonly structuredOutput: boolean;
  /** Estimated input tokens (see estimateChatTokens). */
  readonly inputTokens: number;
}

const NEEDS = exchangeKey<RequestNeeds>('switchyard:needs');

/** Characters per token assumed by the estimate (English prose averages about 4). */
const CHARS_PER_TOKEN = 4;
/** Flat estimate per image part. */
const IMAGE_TOKENS = 1000;
/** Per-message framing overhead. */
const MESSAGE_TOKENS = 3;

/** The request's needs, computed once per exchange and kept on it. */
export function needsOf(x: Exchange): RequestNeeds | undefined {
  const cached = x.get(NEEDS);
  if (cached) return cached;
  if (!x.request) return undefined;
  const needs = chatNeeds(x.request);
  x.set(NEEDS, needs);
  return needs;
}

/** Estimated input tokens of a request (0 when it carries no chat request). */
export function inputTokensOf(x: Exchange): number {
  return needsOf(x)?.inputTokens ?? 0;
}

export function chatNeeds(request: ChatRequest): RequestNeeds {
  let vision = false;
  for (const message of request.messages) {
    if (Array.isArray(message.content) && message.content.some((p) => p.type === 'image_url' || p.type === 'image')) {
      vision = true;
      break;
    }
  }
  return {
    vision,
    tools: Array.isArray(request.tools) && request.tools.length > 0,
    structuredOutput: request.response_format?.type === 'json_schema',
    inputTokens: estimateChatTokens(request),
  };
}

/**
 * An estimate, not a count: characters / 4 over every text, tool definition and tool call,
 * a flat 1000 per image and 3 per message. Good enough to rule out windows far too small.
 */
export function estimateChatTokens(request: ChatRequest): number {
  let chars = 0;
  let extra = 0;
  for (const message of request.messages) {
    extra += MESSAGE_TOKENS;
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text' && typeof (part as { text?: unknown }).text === 'string') chars += (part as { text: string }).text.length;
        else if (part.type === 'image_url' || part.type === 'image') extra += IMAGE_TOKENS;
        else chars += JSON.stringify(part).length;
      }
    }
    if (message.role === 'assistant' && message.tool_calls) chars += JSON.stringify(message.tool_calls).length;
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + extra);
}

/** Why `info` cannot serve `needs`, or undefined. Unknown capabilities never exclude. */
export function unmetNeed(needs: RequestNeeds, info: ModelInfo | undefined): string | undefined {
  if (!info) return undefined;
  if (needs.vision && info.vision === false) return 'vision (image input)';
  if (needs.tools && info.tools === false) return 'tools (function calling)';
  if (needs.structuredOutput && info.structuredOutput === false) return 'structured output (response_format json_schema)';
  if (info.contextWindow !== undefined && needs.inputTokens > info.contextWindow) {
    return `a context window of ~${needs.inputTokens} input tokens (estimated)`;
  }
  return undefined;
}

/**
 * The FILTER tap's predicate state: excludes targets whose known capabilities cannot serve the
 * request, recording the missing capability as the reason.
 */
export function filterByCapabilities(modelInfo: ModelInfoTable, x: Exchange, targets: readonly Target[]): Map<string, string> | undefined {
  const needs = x.operation === 'chat' ? needsOf(x) : undefined;
  if (!needs) return undefined;
  let unmet: Map<string, string> | undefined;
  for (const t of targets) {
    const missing = unmetNeed(needs, modelInfo.forTarget(t));
    if (missing !== undefined) (unmet ??= new Map()).set(t.id, missing);
  }
  return unmet;
}

/** The 400 when this filter excluded every candidate; undefined when something else did. */
export function capabilityError(x: Exchange): SwitchyardError | undefined {
  const discovered = x.plan.discovered.length;
  const byCapability = x.plan.exclusions.filter((e) => e.by === CAPABILITIES_TAP);
  if (discovered === 0 || byCapability.length < discovered) return undefined;
  const missing = [...new Set(byCapability.map((e) => e.reason.replace(/^needs /, '')))];
  const message =
    missing.length === 1
      ? `no target of \`${x.model}\` supports ${missing[0]}`
      : `no target of \`${x.model}\` meets the request's needs: ${byCapability.map((e) => `${e.target} lacks ${e.reason.replace(/^needs /, '')}`).join('; ')}`;
  return new SwitchyardError('SWITCHYARD_ERR_CAPABILITY', message, { publicCode: 'capability_unmet', param: 'model' });
}
