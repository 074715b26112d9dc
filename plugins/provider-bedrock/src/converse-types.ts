/** The Bedrock Converse / ConverseStream wire shapes Switchyard reads and writes. */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type DocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

export interface CachePointBlock {
  cachePoint: { type: 'default' };
}

export type ToolResultContent =
  { text: string } | { json: unknown } | { image: ImageBlock['image'] } | { document: DocumentBlock['document'] };

export interface ImageBlock {
  image: { format: ImageFormat; source: { bytes: string } };
}
export interface DocumentBlock {
  document: { format: DocumentFormat; name: string; source: { bytes: string } };
}

export type ContentBlock =
  | { text: string }
  | ImageBlock
  | DocumentBlock
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ToolResultContent[]; status?: 'success' | 'error' } }
  | { reasoningContent: { reasoningText?: { text: string; signature?: string }; redactedContent?: string } }
  | CachePointBlock;

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export type SystemBlock = { text: string } | CachePointBlock;

export interface ToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } };
}
export type ToolChoice = { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

export interface ConverseRequest {
  messages: Message[];
  system?: SystemBlock[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: Array<ToolSpec | CachePointBlock>; toolChoice?: ToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded'
  | (string & {});

export interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role: 'assistant'; content: ContentBlock[] } };
  stopReason?: StopReason;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: number };
  [field: string]: unknown;
}

/** One ConverseStream event, by its `:event-type`. */
export interface ConverseStreamEvents {
  messageStart: { role: 'assistant' };
  contentBlockStart: { contentBlockIndex: number; start?: { toolUse?: { toolUseId: string; name: string } } };
  contentBlockDelta: {
    contentBlockIndex: number;
    delta: {
      text?: string;
      toolUse?: { input: string };
      reasoningContent?: { text?: string; signature?: string; redactedContent?: string };
    };
  };
  contentBlockStop: { contentBlockIndex: number };
  messageStop: { stopReason: StopReason; additionalModelResponseFields?: unknown };
  metadata: { usage?: ConverseUsage; metrics?: { latencyMs?: number } };
}
