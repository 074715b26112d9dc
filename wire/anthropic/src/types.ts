/**
 * The Anthropic Messages API wire shapes Switchyard reads and writes. Index signatures keep
 * fields Switchyard does not know, so pass-through and conversions never lose them by accident.
 */

export interface AnthropicCacheControl {
  type: 'ephemeral';
  ttl?: string;
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
  [field: string]: unknown;
}
export interface AnthropicImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: AnthropicCacheControl;
  [field: string]: unknown;
}
export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
  [field: string]: unknown;
}
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock | { type: string; [field: string]: unknown }>;
  is_error?: boolean;
  [field: string]: unknown;
}
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
  [field: string]: unknown;
}
/** Thinking the API encrypted: `data` is opaque and goes back byte for byte. */
export interface AnthropicRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
  [field: string]: unknown;
}
/** A document for the model to read (and cite, with `citations.enabled`). */
export interface AnthropicDocumentBlock {
  type: 'document';
  source:
    | { type: 'base64'; media_type: string; data: string }
    | { type: 'text'; media_type?: string; data: string }
    | { type: 'url'; url: string }
    | { type: 'content'; content: string | Array<{ type: string; [field: string]: unknown }> }
    | { type: string; [field: string]: unknown };
  title?: string | null;
  context?: string | null;
  citations?: { enabled?: boolean } | null;
  cache_control?: AnthropicCacheControl;
  [field: string]: unknown;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock
  | AnthropicDocumentBlock
  | { type: string; [field: string]: unknown };

/** Output settings: the effort the model spends (reasoning included), a JSON output format. */
export interface AnthropicOutputConfig {
  effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max' | (string & {}) | null;
  format?: { type: 'json_schema'; schema: Record<string, unknown> } | null;
  [field: string]: unknown;
}

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

/**
 * A `role: "system"` entry inside `messages` (today's clients: Claude Code): instructions at
 * their place in the conversation, optionally with a per-turn `output_config`.
 */
export interface AnthropicSystemEntry {
  role: 'system';
  content?: string | Array<AnthropicTextBlock | { type: string; [field: string]: unknown }>;
  output_config?: AnthropicOutputConfig | null;
  [field: string]: unknown;
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
  type?: string;
  [field: string]: unknown;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: Array<AnthropicMessageParam | AnthropicSystemEntry>;
  system?: string | AnthropicTextBlock[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string; [field: string]: unknown };
  thinking?: AnthropicThinkingConfig;
  output_config?: AnthropicOutputConfig;
  context_management?: unknown;
  mcp_servers?: unknown[];
  [field: string]: unknown;
}

/** `enabled` with a budget, `adaptive` (the model decides how much), or `disabled`; `display` says what the answer shows of it. */
export type AnthropicThinkingConfig =
  | { type: 'enabled'; budget_tokens: number; display?: string }
  | { type: 'adaptive'; display?: string }
  | { type: 'disabled' }
  | { type: string; [field: string]: unknown };

export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | (string & {});

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** cache_creation_input_tokens by cache lifetime (`ttl` of the breakpoints). */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  /** What output_tokens holds besides the answer: its thinking. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  /** Server tools the answer ran, billed per use beside tokens. */
  server_tool_use?: { web_search_requests?: number | null; [tool: string]: unknown } | null;
  /**
   * Each sampling the request ran, when it ran more than the answer's (`message`): a `compaction`
   * of the context, an `advisor_message` of the advisor tool (with its `model`). The top-level
   * counts are the `message` iterations' only.
   */
  iterations?: Array<Partial<AnthropicUsage> & { type?: string; model?: string }> | null;
  [field: string]: unknown;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
  [field: string]: unknown;
}

/** One parsed event of a Messages stream (`event:` name equals `type`). */
export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        | { type: 'text_delta'; text: string }
        | { type: 'input_json_delta'; partial_json: string }
        | { type: 'thinking_delta'; thinking: string }
        | { type: 'signature_delta'; signature: string }
        | { type: string; [field: string]: unknown };
    }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null; [field: string]: unknown };
      usage: Partial<AnthropicUsage>;
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } };

/** Anthropic's error body. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}
