import { exchangeKey } from '@switchyard/core';
import type { Exchange, Target } from '@switchyard/core';
import { searchesThroughChat } from '@switchyard/wire-chat';
import { speaksResponses } from './instance-fields.js';

/** The target whose attempt carries a converted request's web search over the Responses API. */
const SEARCH_ATTEMPT = exchangeKey<Target>('provider-openai:search-attempt');

/**
 * Whether this attempt sends a caller of another protocol (Anthropic's web search tool) over the
 * Responses API with the hosted `web_search` tool: the request asks for a search, the target
 * model searches only through that tool (not one of the Chat search models), and the instance
 * serves the Responses API. Remembered for the attempt's answer to be read as Responses.
 */
export function searchesOverResponses(x: Exchange): boolean {
  if (!searchesOverResponsesOn(x.target!, x)) return false;
  x.set(SEARCH_ATTEMPT, x.target!);
  return true;
}

/** Whether an attempt of `x` on `target` would be sent over the Responses API for its web search (searchesOverResponses). */
export function searchesOverResponsesOn(target: Target, x: Exchange): boolean {
  const asks = x.operation === 'chat' && x.protocol !== 'openai' && x.request?.web_search_options != null;
  return asks && !searchesThroughChat(target.model) && speaksResponses(target.instance);
}

/** True when the current attempt was sent over the Responses API for its web search. */
export function searchAttempt(x: Exchange): boolean {
  return x.target !== undefined && x.get(SEARCH_ATTEMPT) === x.target;
}
