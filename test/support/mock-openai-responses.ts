/**
 * The mock OpenAI Responses API's answers: the `response` object and the stream event sequence
 * OpenAI sends for it (`response.created`, `response.in_progress`, per output item
 * `response.output_item.added` … `response.output_item.done` with reasoning summary, content
 * part, text and function-call-argument events in between, then `response.completed` or
 * `response.incomplete`), each event with its `sequence_number`.
 *
 * How it answers when no answer is scripted (deterministic, so tests can assert):
 * - the last input item is a tool output → text `<name>: <the outputs>`;
 * - function tools are given, tool_choice is not `none`, and tool_choice forces a call or the last
 *   user text mentions "weather" → a function call to the forced / first function, with arguments
 *   made from its parameters schema (strings "Paris", numbers 1, booleans true);
 * - `text.format` json_schema / json_object → JSON text; otherwise text `<name>: <last user text>`,
 *   after a web search for that text when a `web_search` tool is given, tool_choice is not
 *   `none` and the text asks for one (names a search or news) (a `web_search_call` whose action names the page found, searchResultUrl, as `sources`
 *   when `include` asks for `web_search_call.action.sources`; the text cites it in a `url_citation`);
 * - reasoning models (o*, gpt-5*, …) with an effort other than `none` put a reasoning item first:
 *   summary text only when `reasoning.summary` is set, `encrypted_content` only when `include`
 *   asks for `reasoning.encrypted_content`;
 * - more output than `max_output_tokens` allows → status `incomplete` (reason max_output_tokens).
 * Usage counts tokens as characters / 4; a request whose prefix (instructions, tools, input items)
 * of at least 1024 tokens was seen before reports it as cached_tokens, in 128-token steps.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encryptReasoning } from './mock-openai-reasoning.js';
import { isReasoningModel, recordReasoningOrder } from './mock-openai-responses-validate.js';
import { sample } from './schema-sample.js';

export { sample } from './schema-sample.js';

type Json = Record<string, any>;

/** An answer a test scripts for one request. */
export interface ScriptedAnswer {
  /** Assistant text. */
  text?: string;
  /** Function calls, in order; `arguments` is a JSON string, or a value the mock serialises. */
  toolCalls?: Array<{ name: string; arguments: unknown }>;
  /** Reasoning summary text; a reasoning item then comes first (whatever the model). */
  reasoning?: string;
  /** Web searches run (the hosted `web_search` tool), by query: a `web_search_call` each, before the text, which cites the page each found. */
  searches?: string[];
}

/** The page the mock's web search finds for a query (a fixed, fake site). */
export function searchResultUrl(query: string): string {
  return `https://search-results.example/${encodeURIComponent(query.slice(0, 60))}`;
}

/** Decides the answer to a request body; undefined falls back to the default answer. */
export type Answerer = (body: any) => ScriptedAnswer | undefined;

const MIN_CACHE_TOKENS = 1024;
const CACHE_STEP = 128;
/** Reasoning tokens a reasoning model (o-series, gpt-5) reports spending on an answer (Responses and chat completions). */
export const REASONING_TOKENS = 16;

/** Responses kept for previous_response_id, GET and DELETE, and their items for item_reference. */
export class ResponseStore {
  readonly #responses = new Map<string, { response: Json; items: Json[] }>();
  readonly #items = new Map<string, Json>();
  readonly #prefixes = new Set<string>();

  has(id: string): boolean {
    return this.#responses.has(id);
  }

  get(id: string): Json | undefined {
    return this.#responses.get(id)?.response;
  }

  delete(id: string): boolean {
    return this.#responses.delete(id);
  }

  item(id: string): Json | undefined {
    return this.#items.get(id);
  }

  /** The conversation up to and including the response: earlier items, its input and its output. */
  conversation(id: string): Json[] {
    return this.#responses.get(id)?.items ?? [];
  }

  save(response: Json, items: Json[]): void {
    this.#responses.set(response.id, { response, items });
    for (const item of items) if (typeof item.id === 'string') this.#items.set(item.id, item);
  }

  /** Tokens of the longest previously seen prefix (≥ 1024 tokens, in 128-token steps); records this request's prefixes. */
  cachedTokens(parts: unknown[]): number {
    let hash = '';
    let length = 0;
    let cached = 0;
    for (const part of parts) {
      const text = JSON.stringify(part);
      hash = createHash('sha256').update(hash).update(text).digest('hex');
      length += text.length;
      const tokens = countTokens(length);
      if (this.#prefixes.has(hash) && tokens >= MIN_CACHE_TOKENS) cached = Math.floor(tokens / CACHE_STEP) * CACHE_STEP;
      this.#prefixes.add(hash);
    }
    return cached;
  }

  clear(): void {
    this.#responses.clear();
    this.#items.clear();
    this.#prefixes.clear();
  }
}

/** The finished response object and the stream events that deliver it. */
export interface BuiltResponse {
  response: Json;
  events: Json[];
}

/** Builds the answer to a validated request; stores it when `store` is not false. */
export function buildResponse(
  body: Json,
  scripted: ScriptedAnswer | undefined,
  name: string,
  chunks: number,
  store: ResponseStore,
): BuiltResponse {
  const previous: Json[] = body.previous_response_id ? store.conversation(body.previous_response_id) : [];
  const input = normaliseInput(body.input);
  const answer = scripted ?? defaultAnswer(body, [...previous, ...input], name);
  const reasoningModel = isReasoningModel(body.model);
  const effort: string | null = body.reasoning?.effort ?? (reasoningModel ? 'medium' : null);
  const summaryMode: string | null = body.reasoning?.summary ?? null;
  const output: Json[] = [];

  let reasoningTokens = 0;
  if (answer.reasoning !== undefined || (reasoningModel && effort !== 'none')) {
    const id = `rs_${hexId()}`;
    const summaryText = answer.reasoning ?? (summaryMode ? 'Working out the answer.' : undefined);
    const item: Json = {
      id,
      type: 'reasoning',
      summary: summaryText ? [{ type: 'summary_text', text: summaryText }] : [],
    };
    if ((body.include ?? []).includes('reasoning.encrypted_content'))
      item.encrypted_content = encryptReasoning(id, summaryText ?? '');
    output.push(item);
    reasoningTokens = REASONING_TOKENS;
  }

  const limit: number | undefined = body.max_output_tokens ?? undefined;
  let incomplete = false;
  const sources = (body.include ?? []).includes('web_search_call.action.sources');
  for (const query of answer.searches ?? []) {
    const action: Json = { type: 'search', query };
    if (sources) action.sources = [{ type: 'url', url: searchResultUrl(query) }];
    output.push({ id: `ws_${hexId()}`, type: 'web_search_call', status: 'completed', action });
  }
  for (const call of answer.toolCalls ?? []) {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
    output.push({
      id: `fc_${hexId()}`,
      type: 'function_call',
      status: 'completed',
      arguments: args,
      call_id: `call_${randomId(24)}`,
      name: call.name,
    });
  }
  if (answer.text !== undefined) {
    let text = answer.text;
    if (limit !== undefined && reasoningTokens + countTokens(text.length) > limit) {
      text = text.slice(0, Math.max(0, (limit - reasoningTokens) * 4));
      incomplete = true;
    }
    const annotations = (answer.searches ?? []).map((query) => ({
      type: 'url_citation',
      start_index: 0,
      end_index: text.length,
      url: searchResultUrl(query),
      title: `Results for ${query}`,
    }));
    output.push({
      id: `msg_${hexId()}`,
      type: 'message',
      status: incomplete ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', annotations, logprobs: [], text }],
    });
  }

  const promptParts = [body.instructions ?? null, body.tools ?? null, ...previous, ...input];
  const inputTokens = countTokens(JSON.stringify(promptParts).length);
  const outputTokens =
    reasoningTokens +
    output
      .filter((i) => i.type !== 'reasoning' && i.type !== 'web_search_call')
      .reduce(
        (n, i) => n + countTokens(JSON.stringify(i.type === 'message' ? i.content[0].text : i.arguments).length),
        0,
      );
  const created = Math.floor(Date.now() / 1000);
  const response: Json = {
    id: `resp_${hexId()}`,
    object: 'response',
    created_at: created,
    status: incomplete ? 'incomplete' : 'completed',
    background: false,
    completed_at: incomplete ? null : created,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model: body.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    reasoning: { effort, summary: summaryMode },
    safety_identifier: body.safety_identifier ?? null,
    service_tier: body.service_tier && body.service_tier !== 'auto' ? body.service_tier : 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' }, verbosity: body.text?.verbosity ?? 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: Math.min(inputTokens, store.cachedTokens(promptParts)) },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: inputTokens + outputTokens,
    },
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
  recordReasoningOrder(output);
  if (body.store !== false) store.save(response, [...previous, ...input.map(withId), ...output]);
  return { response, events: streamEvents(response, chunks) };
}

/** The stream for a finished response, every event numbered. */
export function streamEvents(response: Json, chunks: number): Json[] {
  const events: Json[] = [];
  const emit = (type: string, fields: Json): void => {
    events.push({ type, sequence_number: events.length, ...fields });
  };
  const pending = {
    ...response,
    status: 'in_progress',
    completed_at: null,
    incomplete_details: null,
    output: [],
    usage: null,
  };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  response.output.forEach((item: Json, output_index: number) => {
    const item_id = item.id;
    if (item.type === 'reasoning') {
      emit('response.output_item.added', { output_index, item: { ...item, summary: [] } });
      item.summary.forEach((part: Json, summary_index: number) => {
        emit('response.reasoning_summary_part.added', {
          item_id,
          output_index,
          summary_index,
          part: { type: 'summary_text', text: '' },
        });
        for (const delta of split(part.text, chunks))
          emit('response.reasoning_summary_text.delta', { item_id, output_index, summary_index, delta });
        emit('response.reasoning_summary_text.done', { item_id, output_index, summary_index, text: part.text });
        emit('response.reasoning_summary_part.done', { item_id, output_index, summary_index, part });
      });
    } else if (item.type === 'message') {
      const part = item.content[0];
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      emit('response.content_part.added', {
        item_id,
        output_index,
        content_index: 0,
        part: { ...part, text: '', annotations: [] },
      });
      for (const delta of split(part.text, chunks))
        emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] });
      part.annotations.forEach((annotation: Json, annotation_index: number) =>
        emit('response.output_text.annotation.added', {
          item_id,
          output_index,
          content_index: 0,
          annotation_index,
          annotation,
        }),
      );
      emit('response.output_text.done', { item_id, output_index, content_index: 0, text: part.text, logprobs: [] });
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part });
    } else if (item.type === 'web_search_call') {
      emit('response.output_item.added', {
        output_index,
        item: { id: item.id, type: item.type, status: 'in_progress' },
      });
      for (const phase of ['in_progress', 'searching', 'completed'])
        emit(`response.web_search_call.${phase}`, { item_id, output_index });
    } else if (item.type === 'function_call') {
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of split(item.arguments, chunks))
        emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', {
        item_id,
        output_index,
        name: item.name,
        arguments: item.arguments,
      });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  return events;
}

/** The event that ends a stream that broke: `response.failed` carrying the error, numbered after `sent`. */
export function failedEvent(response: Json, sent: number, message: string): Json {
  return {
    type: 'response.failed',
    sequence_number: sent,
    response: { ...response, status: 'failed', output: [], usage: null, error: { code: 'server_error', message } },
  };
}

function defaultAnswer(body: Json, items: Json[], name: string): ScriptedAnswer {
  const last = items.at(-1);
  if (last && (last.type === 'function_call_output' || last.type === 'custom_tool_call_output')) {
    const outputs = items.slice(items.findLastIndex((i) => i.type !== last.type) + 1).map((i) => outputText(i.output));
    return { text: `${name}: ${outputs.join('; ')}` };
  }
  const functions: Json[] = (body.tools ?? []).filter((t: Json) => t.type === 'function');
  const choice = body.tool_choice;
  const forced =
    choice?.type === 'function'
      ? functions.find((f) => f.name === choice.name)
      : choice === 'required'
        ? functions[0]
        : undefined;
  const userText = lastUserText(items);
  const wanted = forced ?? (choice !== 'none' && /\bweather\b/i.test(userText) ? functions[0] : undefined);
  if (wanted) return { toolCalls: [{ name: wanted.name, arguments: sample(wanted.parameters) }] };
  const format = body.text?.format;
  if (format?.type === 'json_schema') return { text: JSON.stringify(sample(format.schema)) };
  if (format?.type === 'json_object') return { text: JSON.stringify({ answer: `${name}: ${userText}` }) };
  // The model decides whether to search: it does when asked to (the user's text names a search or news).
  const searches =
    choice !== 'none' &&
    /\b(search|news)\b/i.test(userText) &&
    (body.tools ?? []).some((t: Json) => /^web_search/.test(t.type));
  return searches ? { text: `${name}: ${userText}`, searches: [userText] } : { text: `${name}: ${userText}` };
}

/** Input as items: a string becomes one user message. */
function normaliseInput(input: unknown): Json[] {
  if (typeof input === 'string')
    return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  return Array.isArray(input) ? (input as Json[]) : [];
}

/** Stored input items get ids the way the API gives them. */
function withId(item: Json): Json {
  if (typeof item.id === 'string') return item;
  const prefix = item.type === 'function_call_output' ? 'fco' : item.type === 'function_call' ? 'fc' : 'msg';
  return { ...item, id: `${prefix}_${hexId()}` };
}

function lastUserText(items: Json[]): string {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if ((item.type ?? 'message') !== 'message' || item.role !== 'user') continue;
    const text =
      typeof item.content === 'string'
        ? item.content
        : (item.content as Json[]).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
    if (text) return text;
  }
  return '';
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  return Array.isArray(output) ? output.map((p: Json) => (typeof p.text === 'string' ? p.text : '')).join('') : '';
}

function split(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces = Math.min(count, Math.max(chars.length, 1));
  return Array.from({ length: pieces }, (_, i) =>
    chars.slice(Math.floor((i * chars.length) / pieces), Math.floor(((i + 1) * chars.length) / pieces)).join(''),
  );
}

function countTokens(characters: number): number {
  return Math.max(1, Math.ceil(characters / 4));
}

function hexId(): string {
  return randomBytes(24).toString('hex');
}

function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}
