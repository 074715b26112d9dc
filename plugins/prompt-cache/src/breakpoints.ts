/**
 * Where cache_control breakpoints go on an Anthropic Messages request. Pure: no Koa, no tapable.
 *
 * Anthropic caches prefixes in the order tools → system → messages, at most 4 breakpoints per
 * request, each caching everything before it once that prefix reaches the model's minimum.
 * Candidates, by priority while the budget lasts:
 *  1. the last block of the final message: the whole prompt, which the next turn (same prefix,
 *     plus the answer and a new message) reads back;
 *  2. the last system block, when the system prompt alone reaches the minimum: shared by every
 *     conversation that starts from it;
 *  3. the last tool, when the tool definitions reach the minimum: shared even when the system
 *     prompt changes;
 *  4. the final message of the previous turn (the message before the newest assistant turn),
 *     where the previous request wrote: read back even when the newest turn added more blocks
 *     than Anthropic's 20-block lookback reaches (long tool loops).
 * A breakpoint whose prefix stays under the minimum would cache nothing, so none is placed.
 * Breakpoints the caller set are never moved or removed; they use up the budget, or, with
 * `client: 'leave-alone'` (what pass-through requests get), the request is left as it is.
 */
import type { TokenCounter } from './tokens.js';

export const MAX_BREAKPOINTS = 4;
/** Anthropic bills an image about (width × height) / 750 tokens, at most ~1600 (it resizes larger ones). */
const MAX_IMAGE_TOKENS = 1600;
/** Encoded bytes per token assumed for base64 images and documents (a 1000×1000 JPEG of ~200 KB ≈ 1333 tokens). */
const BYTES_PER_MEDIA_TOKEN = 150;
/** Blocks that cannot carry cache_control. */
const UNMARKABLE = new Set(['thinking', 'redacted_thinking']);

type Json = Record<string, unknown>;
type Block = Json & { type?: unknown; cache_control?: unknown };

export interface BreakpointSettings {
  minTokens: number;
  cacheControl: Readonly<{ type: 'ephemeral'; ttl?: string }>;
  tools: boolean;
  system: boolean;
  conversation: boolean;
}

/** What to do with a request that carries breakpoints of its own: add around them, or nothing. */
export type ClientBreakpoints = 'fill' | 'leave-alone';

export interface Placement {
  /** Where the gateway put breakpoints: `messages.<i>`, `system`, `tools`. */
  placed: string[];
  /** Breakpoints the request already carried. */
  client: number;
}

/** Breakpoints a request carries: on tools, system blocks, message blocks, and the top-level field. */
export function countBreakpoints(body: Json): number {
  let n = body.cache_control ? 1 : 0;
  const visit = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks) if (b && typeof b === 'object' && (b as Block).cache_control) n++;
  };
  visit(body.tools);
  visit(body.system);
  if (Array.isArray(body.messages)) for (const m of body.messages) visit((m as Json | null)?.content);
  return n;
}

/**
 * Adds breakpoints to `body` in place, copying every array and object it changes (the body
 * may share them with the caller's request, which a failover attempt rebuilds from).
 */
export function placeBreakpoints(
  body: Json,
  s: BreakpointSettings,
  tokens: TokenCounter,
  ifMarked: ClientBreakpoints = 'fill',
): Placement {
  const client = countBreakpoints(body);
  const placed: string[] = [];
  let budget = client > 0 && ifMarked === 'leave-alone' ? 0 : MAX_BREAKPOINTS - client;
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  if (budget <= 0 || messages.length === 0) return { placed, client };

  const toolList = Array.isArray(body.tools) ? (body.tools as Block[]) : [];
  const toolsJson = toolList.length ? JSON.stringify(toolList) : '';
  // Most prompts are too short to cache: when even an upper bound stays under the minimum, nothing is tokenized.
  if (promptTokensAtMost(toolsJson, body.system, messages) < s.minTokens) return { placed, client };
  const toolTokens = toolList.length ? tokens.count(toolsJson) : 0;
  const systemTokens = tokens.count(systemText(body.system));
  const prefix = new PrefixTokens(messages, toolTokens + systemTokens, s.minTokens, tokens);

  const last = messages.length - 1;
  if (s.conversation && budget > 0 && prefix.reaches(last) && markMessage(body, last, s)) {
    placed.push(`messages.${last}`);
    budget--;
  }
  if (s.system && budget > 0 && systemTokens >= s.minTokens && markSystem(body, s)) {
    placed.push('system');
    budget--;
  }
  if (s.tools && budget > 0 && toolList.length && toolTokens >= s.minTokens && markLastTool(body, toolList, s)) {
    placed.push('tools');
    budget--;
  }
  const previous = previousTurnEnd(messages);
  if (
    s.conversation &&
    budget > 0 &&
    previous !== undefined &&
    prefix.reaches(previous) &&
    markMessage(body, previous, s)
  ) {
    placed.push(`messages.${previous}`);
  }
  return { placed, client };
}

/** The final message of the previous request: the one before the newest assistant message. */
export function previousTurnEnd(messages: readonly Json[]): number | undefined {
  for (let i = messages.length - 2; i >= 1; i--) {
    if (messages[i]?.role === 'assistant') return i - 1;
  }
  return undefined;
}

/** Cumulative prompt tokens through each message, computed only as far as the minimum needs. */
class PrefixTokens {
  #through = -1;
  #sum: number;

  constructor(
    private readonly messages: readonly Json[],
    base: number,
    private readonly min: number,
    private readonly tokens: TokenCounter,
  ) {
    this.#sum = base;
  }

  /** True when tools, system and messages[0..i] reach the minimum. */
  reaches(i: number): boolean {
    while (this.#through < i && this.#sum < this.min) {
      this.#through++;
      this.#sum += messageTokens(this.messages[this.#through]?.content, this.tokens);
    }
    return this.#sum >= this.min;
  }
}

/**
 * A bound no tokenization exceeds: a token covers at least one UTF-8 byte, and a UTF-16 code unit
 * is at most three UTF-8 bytes.
 */
const AT_MOST = { count: (text: string): number => text.length * 3 };

function promptTokensAtMost(toolsJson: string, system: unknown, messages: readonly Json[]): number {
  let sum = AT_MOST.count(toolsJson) + AT_MOST.count(systemText(system));
  for (const message of messages) sum += messageTokens(message?.content, AT_MOST);
  return sum;
}

function messageTokens(content: unknown, tokens: Pick<TokenCounter, 'count'>): number {
  if (typeof content === 'string') return tokens.count(content);
  if (!Array.isArray(content)) return 0;
  let text = '';
  let media = 0;
  for (const block of content as Block[]) {
    switch (block?.type) {
      case 'text':
        text += String(block.text ?? '');
        break;
      case 'image':
        media += Math.min(MAX_IMAGE_TOKENS, mediaTokens(block.source));
        break;
      case 'document':
        media += mediaTokens(block.source);
        break;
      case 'tool_result':
        text += typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
        break;
      default:
        text += JSON.stringify(block);
    }
  }
  return tokens.count(text) + media;
}

/**
 * What an image or document source may cost, from its base64 size; a URL source counts nothing,
 * its size being unknown here (an estimate under the real cost only forgoes a breakpoint).
 */
function mediaTokens(source: unknown): number {
  const data = (source as { type?: unknown; data?: unknown } | undefined)?.data;
  return typeof data === 'string' ? Math.floor((data.length * 3) / 4 / BYTES_PER_MEDIA_TOKEN) : 0;
}

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return '';
  let text = '';
  for (const block of system as Block[]) if (typeof block?.text === 'string') text += block.text;
  return text;
}

function markable(block: Block | undefined): boolean {
  if (!block || typeof block !== 'object' || UNMARKABLE.has(String(block.type))) return false;
  return !(block.type === 'text' && !block.text);
}

/** The last markable block of message `i` gets a breakpoint (a string content becomes one text block). */
function markMessage(body: Json, i: number, s: BreakpointSettings): boolean {
  const messages = body.messages as Json[];
  const message = messages[i]!;
  let blocks: Block[];
  if (typeof message.content === 'string') {
    if (!message.content) return false;
    blocks = [{ type: 'text', text: message.content }];
  } else if (Array.isArray(message.content)) blocks = [...(message.content as Block[])];
  else return false;
  const at = lastMarkable(blocks);
  if (at < 0 || blocks[at]!.cache_control) return false;
  blocks[at] = { ...blocks[at]!, cache_control: { ...s.cacheControl } };
  const copy = [...messages];
  copy[i] = { ...message, content: blocks };
  body.messages = copy;
  return true;
}

function markSystem(body: Json, s: BreakpointSettings): boolean {
  const system = body.system;
  let blocks: Block[];
  if (typeof system === 'string') blocks = [{ type: 'text', text: system }];
  else if (Array.isArray(system)) blocks = [...(system as Block[])];
  else return false;
  const at = lastMarkable(blocks);
  if (at < 0 || blocks[at]!.cache_control) return false;
  blocks[at] = { ...blocks[at]!, cache_control: { ...s.cacheControl } };
  body.system = blocks;
  return true;
}

function markLastTool(body: Json, tools: Block[], s: BreakpointSettings): boolean {
  const at = tools.length - 1;
  if (tools[at]!.cache_control) return false;
  const copy = [...tools];
  copy[at] = { ...tools[at]!, cache_control: { ...s.cacheControl } };
  body.tools = copy;
  return true;
}

function lastMarkable(blocks: readonly Block[]): number {
  for (let i = blocks.length - 1; i >= 0; i--) if (markable(blocks[i])) return i;
  return -1;
}
