/** The Gemini generateContent wire shapes (Gemini API v1beta, and Vertex AI's publishers/google models) Switchyard reads and writes. */

export interface GeminiSchema {
  type?: 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'ARRAY' | 'OBJECT' | 'NULL';
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, GeminiSchema>;
  propertyOrdering?: string[];
  required?: string[];
  minProperties?: number;
  maxProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: GeminiSchema[];
  default?: unknown;
  example?: unknown;
}

export interface FunctionCall {
  name: string;
  args?: Record<string, unknown>;
  id?: string;
}

export interface FunctionResponse {
  name: string;
  response: Record<string, unknown>;
  id?: string;
}

export interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: FunctionCall;
  functionResponse?: FunctionResponse;
  [field: string]: unknown;
}

export interface Content {
  role?: 'user' | 'model';
  parts: Part[];
}

export interface FunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
  parametersJsonSchema?: Record<string, unknown>;
}

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
}

export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: { parts: Part[] };
  tools?: Array<{ functionDeclarations: FunctionDeclaration[] } | { googleSearch: Record<string, never> }>;
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: GenerationConfig;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  [field: string]: unknown;
}

/** How Google Search grounded a candidate: the queries run, the pages found, which text each supports. */
export interface GroundingMetadata {
  webSearchQueries?: string[];
  groundingChunks?: Array<{ web?: { uri?: string; title?: string; domain?: string }; [field: string]: unknown }>;
  groundingSupports?: Array<{
    segment?: { startIndex?: number; endIndex?: number; text?: string };
    groundingChunkIndices?: number[];
    [field: string]: unknown;
  }>;
  searchEntryPoint?: { renderedContent?: string };
  [field: string]: unknown;
}

export interface Candidate {
  content?: { role?: string; parts?: Part[] };
  groundingMetadata?: GroundingMetadata;
  finishReason?: string;
  /** Why the candidate stopped, in words (with MALFORMED_FUNCTION_CALL: the call Gemini could not form). */
  finishMessage?: string;
  index?: number;
  [field: string]: unknown;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; [field: string]: unknown };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: GeminiErrorBody['error'];
}

export interface GeminiErrorBody {
  error: { code?: number; message?: string; status?: string; details?: unknown[] };
}

export interface EmbedContentRequest {
  model?: string;
  content: { parts: Array<{ text: string }> };
  outputDimensionality?: number;
}

export interface BatchEmbedContentsRequest {
  requests: EmbedContentRequest[];
}

export interface EmbedContentResponse {
  embedding?: { values: number[] };
  embeddings?: Array<{ values: number[] }>;
  usageMetadata?: UsageMetadata;
}

/** How a canonical request is converted (per instance, after defaults). */
export interface GeminiConvertOptions {
  /** `convert`: JSON Schema → Gemini's OpenAPI subset (`parameters`, `responseSchema`); `native`: sent as-is (`parametersJsonSchema`, `responseJsonSchema`). */
  jsonSchema: 'convert' | 'native';
  /** Ask for thought summaries (→ `reasoning_content`) when reasoning_effort is set. */
  includeThoughts: boolean;
}
