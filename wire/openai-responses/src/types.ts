/**
 * The OpenAI Responses API wire shapes Switchyard reads and writes (`POST /v1/responses`, the
 * response object, its stream events). Index signatures keep fields Switchyard does not know, so
 * pass-through and conversions never lose them by accident.
 */

export type Json = Record<string, unknown>;

/** A content part of an input message (`input_*`) or of an assistant message (`output_text`, `refusal`). */
export interface ResponsesContentPart {
  type: string;
  text?: string;
  image_url?: string | null;
  file_id?: string | null;
  file_data?: string;
  file_url?: string;
  filename?: string;
  detail?: string;
  refusal?: string;
  [field: string]: unknown;
}

export interface ResponsesMessageItem {
  type?: 'message';
  id?: string;
  role: 'user' | 'assistant' | 'system' | 'developer';
  content: string | ResponsesContentPart[];
  status?: string;
  [field: string]: unknown;
}

export interface ResponsesFunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  status?: string;
  [field: string]: unknown;
}

export interface ResponsesCustomToolCallItem {
  type: 'custom_tool_call';
  id?: string;
  call_id: string;
  name: string;
  input: string;
  status?: string;
  [field: string]: unknown;
}

export interface ResponsesToolOutputItem {
  type: 'function_call_output' | 'custom_tool_call_output';
  id?: string;
  call_id: string;
  output: string | ResponsesContentPart[];
  [field: string]: unknown;
}

export interface ResponsesReasoningItem {
  type: 'reasoning';
  id: string;
  summary: Array<{ type: 'summary_text'; text: string }>;
  encrypted_content?: string | null;
  content?: Array<{ type: string; text: string }> | null;
  status?: string;
  [field: string]: unknown;
}

export type ResponsesItem =
  | ResponsesMessageItem
  | ResponsesFunctionCallItem
  | ResponsesCustomToolCallItem
  | ResponsesToolOutputItem
  | ResponsesReasoningItem
  | { type: string; id?: string; [field: string]: unknown };

export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Json | null;
  strict?: boolean | null;
  [field: string]: unknown;
}

export type ResponsesTool = ResponsesFunctionTool | { type: string; name?: string; [field: string]: unknown };

export type ResponsesToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function' | 'custom'; name: string }
  | { type: 'allowed_tools'; mode: 'auto' | 'required'; tools: Array<{ type: string; name?: string }> }
  | { type: string; [field: string]: unknown };

export type ResponsesTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Json; description?: string; strict?: boolean | null };

/** `POST /v1/responses` request body. */
export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesItem[];
  instructions?: string | null;
  tools?: ResponsesTool[];
  tool_choice?: ResponsesToolChoice;
  parallel_tool_calls?: boolean | null;
  text?: { format?: ResponsesTextFormat; verbosity?: string | null; [field: string]: unknown } | null;
  reasoning?: { effort?: string | null; summary?: string | null; [field: string]: unknown } | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stream?: boolean | null;
  store?: boolean | null;
  include?: string[] | null;
  metadata?: Record<string, string> | null;
  previous_response_id?: string | null;
  prompt_cache_key?: string;
  safety_identifier?: string;
  user?: string;
  service_tier?: string | null;
  truncation?: string | null;
  [field: string]: unknown;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; [field: string]: unknown };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number; [field: string]: unknown };
  total_tokens: number;
  [field: string]: unknown;
}

/** The response object (`object: "response"`). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'incomplete' | 'in_progress' | 'failed' | 'cancelled' | 'queued';
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  model: string;
  output: ResponsesItem[];
  usage: ResponsesUsage | null;
  [field: string]: unknown;
}

/** One event of a Responses stream: its `type` is also its SSE `event:` name. */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}
