/**
 * Canonical form: the OpenAI Chat Completions shapes. Every provider converts to and from
 * these; inbound OpenAI requests are already in this form. Index signatures keep fields
 * Switchyard does not know, so pass-through never drops them.
 */

export interface TextPart {
  type: 'text';
  text: string;
}
export interface ImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}
export interface InputAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}
export type ContentPart = TextPart | ImagePart | InputAudioPart | { type: string; [field: string]: unknown };

/**
 * Reasoning an upstream returned, kept whole so it can be sent back on a later turn: an
 * Anthropic thinking block with its signature (or a redacted one), OpenAI's encrypted reasoning.
 * Opaque fields travel byte for byte and only back to the kind of provider that made them.
 */
export interface ReasoningBlock {
  type: 'thinking' | 'redacted_thinking' | 'encrypted_reasoning';
  /** The visible reasoning (thinking text, or a summary). */
  text?: string;
  /** Opaque: Anthropic's signature or redacted `data`, OpenAI's `encrypted_content`. Never re-serialized. */
  signature?: string;
  /** Which kind of provider made it (`anthropic`, `openai`, ...): opaque data goes back only there. */
  source?: string;
  /** The upstream's own id for it (an OpenAI reasoning item id), when it has one. */
  id?: string;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string | TextPart[]; name?: string; [field: string]: unknown }
  | { role: 'user'; content: string | ContentPart[]; name?: string; [field: string]: unknown }
  | {
      role: 'assistant';
      content?: string | ContentPart[] | null;
      tool_calls?: ToolCall[];
      refusal?: string | null;
      reasoning_content?: string;
      /** Reasoning to send back as the upstream returned it (see ReasoningBlock). */
      reasoning_blocks?: ReasoningBlock[];
      name?: string;
      [field: string]: unknown;
    }
  | { role: 'tool'; content: string | TextPart[]; tool_call_id: string; [field: string]: unknown };

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high' | string;
  /**
   * Switchyard's: the caller shows the model's reasoning (a Responses `reasoning.summary`, Anthropic
   * thinking not `display: "omitted"`), so an upstream that returns reasoning text only when asked
   * (Gemini's thought summaries) is asked for it. Never sent upstream as is.
   */
  reasoning_summary?: boolean;
  /**
   * Switchyard's: the most web searches `web_search_options` allows (an Anthropic web search tool's
   * `max_uses`, a Responses `max_tool_calls`), sent to an upstream whose search tool takes a limit
   * (Anthropic's `max_uses`, the Responses API's `max_tool_calls`). Never sent upstream as is.
   */
  max_web_searches?: number;
  [field: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /**
   * `cached_tokens`: input read from a prompt cache. `cache_write_tokens` (a Switchyard field,
   * from Anthropic's cache_creation_input_tokens): input written to one, of which
   * `cache_write_1h_tokens` (Switchyard's too) were written to the one-hour cache. All are part of prompt_tokens.
   */
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_write_tokens?: number;
    cache_write_1h_tokens?: number;
    [field: string]: unknown;
  };
  completion_tokens_details?: { reasoning_tokens?: number; [field: string]: unknown };
  /** Server tools the upstream ran for the answer (Anthropic's), each billed per use. */
  server_tool_use?: { web_search_requests?: number; [field: string]: unknown };
  /**
   * The part of the counts above billed at another model's price than the answer's, by that model
   * (Anthropic's advisor tool: its calls, at the advisor model's price). Pricing prices the rest at the answer's.
   */
  other_models?: Array<Usage & { model: string }>;
  [field: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      tool_calls?: ToolCall[];
      refusal?: string | null;
      reasoning_content?: string;
      reasoning_blocks?: ReasoningBlock[];
      [field: string]: unknown;
    };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: Usage;
  system_fingerprint?: string | null;
  [field: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      tool_calls?: ToolCallDelta[];
      refusal?: string | null;
      /** Reasoning text as it streams. */
      reasoning_content?: string;
      /** Each reasoning block once complete (its text already streamed as reasoning_content), with its signature. */
      reasoning_blocks?: ReasoningBlock[];
      [field: string]: unknown;
    };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: Usage | null;
  [field: string]: unknown;
}

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [field: string]: unknown;
}

/** The OpenAI embeddings list, the canonical embeddings response. */
export interface EmbeddingsResponse {
  object: 'list';
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>;
  model: string;
  usage?: { prompt_tokens: number; total_tokens: number };
  [field: string]: unknown;
}
