/**
 * Request checks for the mock Anthropic Messages API, imitating the real API: unknown fields
 * (beta fields only with their `anthropic-beta` value), unknown `anthropic-beta` values,
 * required fields, `max_tokens` above the model's limit, alternating user/assistant turns with
 * `role: "system"` entries allowed anywhere, tool_use/tool_result pairing, thinking config and
 * thinking blocks (a signature must verify byte for byte; with thinking on, the assistant turn of
 * an open tool loop or a final assistant turn must start with a thinking block), what thinking
 * cannot go with (temperature other than 1, top_k, a forced tool), sampling field types and ranges,
 * stop_sequences / metadata / system shapes, unique tool names with object input schemas, empty or
 * whitespace-only turns, final assistant turns (refused by the 4.6 models and later, no trailing
 * whitespace elsewhere), image media types, cache_control limits, web search results and their
 * citations sent back (their encrypted fields must be the API's own), and sampling fields refused by
 * anthropic-version 2026-10-21. Each returns the first problem's message, worded like Anthropic's.
 */
import { verifyRedactedThinking, verifyThinking } from './mock-anthropic-thinking.js';

type Json = Record<string, any>;

export interface AnthropicValidationContext {
  /** The anthropic-version header. */
  version: string;
  /** The anthropic-beta values sent (comma-separated header, split). */
  betas: string[];
  /** POST /v1/messages/count_tokens (no max_tokens). */
  counting: boolean;
  /** The model's output-token limit, if known. */
  outputLimit(model: string): number | undefined;
  /** Beta values accepted besides KNOWN_BETAS. */
  extraBetas: readonly string[];
}

const FIELDS = [
  'model',
  'max_tokens',
  'messages',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
  'service_tier',
  'container',
  'cache_control',
  'inference_geo',
  'speed',
  'diagnostics',
  'user_profile_id',
  'workspace_id',
];
/** Fields that exist only under a beta: without one of these anthropic-beta values they are unknown fields. */
const BETA_FIELDS: Record<string, string[]> = {
  context_management: ['context-management-2025-06-27'],
  mcp_servers: ['mcp-client-2025-04-04', 'mcp-client-2025-11-20', 'mcp-client-2026-09-15'],
  compaction: ['compact-2026-01-12', 'compact-2026-09-04'],
  output_format: ['structured-outputs-2025-11-13'],
  fallbacks: ['server-side-fallback-2026-06-01', 'server-side-fallback-2026-07-01'],
  fallback_credit_token: ['fallback-credit-2026-06-01', 'fallback-credit-2026-07-01'],
  thread: ['message-threads-2026-08-12'],
  billing_policy: ['spend-limit-reads-2026-09-26'],
};
/** `output_config` on a system entry of `messages` (per-turn effort) is a beta field too. */
const SYSTEM_OUTPUT_CONFIG_BETAS = ['per-turn-control-2026-07-01', 'mid-conversation-output-config-2026-07-01'];
/** Tools loaded on demand (tool search). */
const DEFER_LOADING_BETAS = ['advanced-tool-use-2025-11-20'];

/** anthropic-beta values the API knows: the SDK's list and the ones Claude Code sends. */
export const KNOWN_BETAS: readonly string[] = [
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'computer-use-2025-11-24',
  'output-128k-2025-02-19',
  'mcp-client-2025-04-04',
  'mcp-client-2025-11-20',
  'mcp-client-2026-09-15',
  'dev-full-thinking-2025-05-14',
  'interleaved-thinking-2025-05-14',
  'code-execution-2025-05-22',
  'code-execution-2025-08-25',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'model-context-window-exceeded-2025-08-26',
  'fast-mode-2026-02-01',
  'output-300k-2026-03-24',
  'advisor-tool-2026-03-01',
  'thinking-token-count-2026-05-13',
  'server-side-fallback-2026-06-01',
  'server-side-fallback-2026-07-01',
  'fallback-credit-2026-06-01',
  'fallback-credit-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'compact-2026-01-12',
  'compact-2026-09-04',
  'structured-outputs-2025-11-13',
  'task-budgets-2026-03-13',
  'thinking-display-updates-2026-08-18',
  'mid-conversation-output-config-2026-07-01',
  'thinking-binding-controls-2026-08-01',
  'mid-conversation-system-clear-at-2026-08-21',
  'inline-tools-2026-09-15',
  'message-threads-2026-08-12',
  'message-batches-2024-09-24',
  'prompt-caching-2024-07-31',
  'pdfs-2024-09-25',
  'token-counting-2024-11-01',
  'token-efficient-tools-2025-02-19',
  'files-api-2025-04-14',
  'extended-cache-ttl-2025-04-11',
  'skills-2025-10-02',
  'cache-diagnosis-2026-04-07',
  'fine-grained-tool-streaming-2025-05-14',
  'web-fetch-2025-09-10',
  'claude-code-20250219',
  'per-turn-control-2026-07-01',
  'effort-2025-11-24',
  'advanced-tool-use-2025-11-20',
  'tool-search-tool-2025-10-19',
  'prompt-caching-scope-2026-01-05',
  'spend-limit-reads-2026-09-26',
];
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const NO_SAMPLING_VERSION = '2026-10-21';
const MAX_CACHE_BREAKPOINTS = 4;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'];
const THINKING_TYPES = ['enabled', 'adaptive', 'disabled', 'between_tools'];
const THINKING_DOCS =
  'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking';
const MAX_USER_ID = 256;
/** Models that refuse a final assistant turn (prefill): the Claude 4.6 models and later. */
const NO_PREFILL_MODELS = [
  'claude-opus-4-6',
  'claude-opus-4-7',
  'claude-opus-4-8',
  'claude-sonnet-4-6',
  'claude-sonnet-5',
  'claude-opus-5',
  'claude-haiku-5',
];
/** Block types a turn may carry besides the ones checked one by one in blockProblem. */
const OTHER_BLOCKS = new Set([
  'document',
  'search_result',
  'server_tool_use',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'tool_reference',
  'compaction',
]);

/** The first problem with the anthropic-beta header, or undefined. */
export function betaProblem(ctx: AnthropicValidationContext): string | undefined {
  const unknown = ctx.betas.filter((b) => !KNOWN_BETAS.includes(b) && !ctx.extraBetas.includes(b));
  if (unknown.length === 0) return undefined;
  return `Unexpected value(s) ${unknown.map((b) => `\`${b}\``).join(', ')} for the \`anthropic-beta\` header. Please consult our documentation at docs.claude.com or try again without the header.`;
}

/** The real API's checks of a Messages (or count_tokens) body, returning the first problem as its message. */
export function validateMessages(body: Json, ctx: AnthropicValidationContext): string | undefined {
  const beta = (names: string[]): boolean => names.some((n) => ctx.betas.includes(n));
  for (const key of Object.keys(body)) {
    const betaNames = BETA_FIELDS[key];
    if (!FIELDS.includes(key) && !(betaNames && beta(betaNames))) return `${key}: Extra inputs are not permitted`;
  }
  if (typeof body.model !== 'string' || !body.model) return 'model: Field required';
  if (!ctx.counting) {
    if (!Number.isInteger(body.max_tokens)) return 'max_tokens: Field required';
    if (body.max_tokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
    const limit = ctx.outputLimit(body.model);
    if (limit !== undefined && body.max_tokens > limit) {
      return `max_tokens: ${body.max_tokens} > ${limit}, which is the maximum allowed number of output tokens for ${body.model}`;
    }
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  if (ctx.version >= NO_SAMPLING_VERSION) {
    for (const key of ['temperature', 'top_p', 'top_k']) {
      if (body[key] !== undefined) return `${key}: is not supported in anthropic-version ${ctx.version}`;
    }
  }
  return (
    samplingProblem(body) ??
    requestFieldsProblem(body) ??
    thinkingConfigProblem(body, ctx) ??
    thinkingConflictProblem(body) ??
    outputConfigProblem(body.output_config, 'output_config') ??
    toolsProblem(body, beta) ??
    cacheProblem(body) ??
    messagesProblem(body, beta)
  );
}

/** temperature, top_p and top_k: types and ranges. */
function samplingProblem(body: Json): string | undefined {
  const { temperature, top_p, top_k } = body;
  if (temperature !== undefined) {
    if (typeof temperature !== 'number') return 'temperature: Input should be a valid number';
    if (temperature < 0) return 'temperature: Input should be greater than or equal to 0';
    if (temperature > 1) return 'temperature: Input should be less than or equal to 1';
  }
  if (top_p !== undefined) {
    if (typeof top_p !== 'number') return 'top_p: Input should be a valid number';
    if (top_p < 0) return 'top_p: Input should be greater than or equal to 0';
    if (top_p > 1) return 'top_p: Input should be less than or equal to 1';
  }
  if (top_k !== undefined) {
    if (!Number.isInteger(top_k)) return 'top_k: Input should be a valid integer';
    if (top_k < 0) return 'top_k: Input should be greater than or equal to 0';
  }
  if (temperature !== undefined && top_p !== undefined && ONE_SAMPLING_FIELD.test(String(body.model)))
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  return undefined;
}

/** Claude Opus 4.1, the 4.5 models and later refuse temperature and top_p together (Claude 4.5 migration guide). */
export const ONE_SAMPLING_FIELD = /claude-(?:opus|sonnet|haiku)-(?:4-[1-9]|[5-9])(?![0-9])/;

/** stop_sequences, metadata and system: their shapes. */
function requestFieldsProblem(body: Json): string | undefined {
  const stops = body.stop_sequences;
  if (stops !== undefined) {
    if (!Array.isArray(stops)) return 'stop_sequences: Input should be a valid list';
    const at = stops.findIndex((s) => typeof s !== 'string');
    if (at !== -1) return `stop_sequences.${at}: Input should be a valid string`;
  }
  const metadata = body.metadata;
  if (metadata != null) {
    if (!isObject(metadata)) return 'metadata: Input should be a valid dictionary';
    for (const key of Object.keys(metadata))
      if (key !== 'user_id') return `metadata.${key}: Extra inputs are not permitted`;
    if (metadata.user_id != null) {
      if (typeof metadata.user_id !== 'string') return 'metadata.user_id: Input should be a valid string';
      if (metadata.user_id.length > MAX_USER_ID)
        return `metadata.user_id: String should have at most ${MAX_USER_ID} characters`;
    }
  }
  const system = body.system;
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid string';
  for (const [j, b] of system.entries()) {
    if (b?.type !== 'text') return `system.${j}.type: Input should be 'text'`;
    if (typeof b.text !== 'string' || b.text.length === 0) return 'system: text content blocks must be non-empty';
  }
  return undefined;
}

/** What thinking (enabled or adaptive) cannot go with: temperature other than 1, top_k, a forced tool. */
function thinkingConflictProblem(body: Json): string | undefined {
  if (!thinkingOn(body)) return undefined;
  if (body.temperature !== undefined && body.temperature !== 1)
    return `\`temperature\` may only be set to 1 when thinking is enabled or in adaptive mode. Please consult our documentation at ${THINKING_DOCS}`;
  if (body.top_k !== undefined)
    return `\`top_k\` must be unset when thinking is enabled. Please consult our documentation at ${THINKING_DOCS}`;
  const choice = body.tool_choice?.type;
  if (choice === 'any' || choice === 'tool') return 'Thinking may not be enabled when tool_choice forces tool use.';
  return undefined;
}

function thinkingConfigProblem(body: Json, ctx: AnthropicValidationContext): string | undefined {
  const thinking = body.thinking;
  if (thinking === undefined) return undefined;
  if (!isObject(thinking) || !THINKING_TYPES.includes(thinking.type)) {
    return `thinking: Input tag '${String(thinking?.type)}' found using 'type' does not match any of the expected tags: ${THINKING_TYPES.map((t) => `'${t}'`).join(', ')}`;
  }
  const allowed: Record<string, string[]> = {
    enabled: ['type', 'budget_tokens', 'display'],
    adaptive: ['type', 'display', 'block_binding'],
    disabled: ['type'],
    between_tools: ['type'],
  };
  for (const key of Object.keys(thinking)) {
    if (!allowed[thinking.type]!.includes(key))
      return `thinking.${thinking.type}.${key}: Extra inputs are not permitted`;
  }
  if (thinking.display != null && !['summarized', 'omitted', 'updates'].includes(thinking.display)) {
    return `thinking.${thinking.type}.display: Input should be 'summarized' or 'omitted'`;
  }
  if (
    thinking.type === 'enabled' &&
    !(thinking.budget_tokens >= 1024 && (ctx.counting || thinking.budget_tokens < body.max_tokens))
  ) {
    return 'thinking.enabled.budget_tokens: must be >= 1024 and less than max_tokens';
  }
  return undefined;
}

function outputConfigProblem(config: unknown, at: string): string | undefined {
  if (config == null) return undefined;
  if (!isObject(config)) return `${at}: Input should be a valid dictionary`;
  for (const key of Object.keys(config))
    if (!['effort', 'format', 'task_budget'].includes(key)) return `${at}.${key}: Extra inputs are not permitted`;
  if (config.effort != null && !EFFORTS.includes(config.effort))
    return `${at}.effort: Input should be ${EFFORTS.map((e) => `'${e}'`).join(', ')}`;
  if (
    config.format != null &&
    !(isObject(config.format) && config.format.type === 'json_schema' && isObject(config.format.schema))
  ) {
    return `${at}.format: a json_schema format with a schema is required`;
  }
  return undefined;
}

function toolsProblem(body: Json, beta: (names: string[]) => boolean): string | undefined {
  if (body.tool_choice !== undefined && !Array.isArray(body.tools))
    return 'tool_choice: tool_choice may only be specified while providing tools';
  const names = new Set<string>();
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name))
      return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if (names.has(tool.name)) return 'tools: Tool names must be unique.';
    names.add(tool.name);
    if ((tool.type === undefined || tool.type === 'custom') && !isObject(tool.input_schema))
      return `tools.${i}.custom.input_schema: Field required`;
    if ((tool.type === undefined || tool.type === 'custom') && tool.input_schema.type !== 'object')
      return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
    if (tool.defer_loading !== undefined && !beta(DEFER_LOADING_BETAS))
      return `tools.${i}.custom.defer_loading: Extra inputs are not permitted`;
  }
  return undefined;
}

function cacheProblem(body: Json): string | undefined {
  const count = countCacheControl(body);
  return count > MAX_CACHE_BREAKPOINTS
    ? `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`
    : undefined;
}

function messagesProblem(body: Json, beta: (names: string[]) => boolean): string | undefined {
  let pending: string[] = [];
  let previousRole: string | undefined;
  let lastAssistant: number | undefined;
  const final = body.messages.findLastIndex((m: Json) => m?.role !== 'system');
  for (const [i, m] of body.messages.entries()) {
    if (m.role === 'system') {
      const problem = systemEntryProblem(m, i, beta);
      if (problem) return problem;
      continue; // system entries sit between turns; alternation and tool pairing look through them
    }
    if (m.role !== 'user' && m.role !== 'assistant')
      return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    if (previousRole === undefined && m.role !== 'user') return 'messages: first message must use the "user" role';
    if (m.role === previousRole) return 'messages: roles must alternate between "user" and "assistant"';
    previousRole = m.role;
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return `messages.${i}.content: Field required`;
    const blocks: Json[] =
      typeof m.content === 'string' ? (m.content ? [{ type: 'text', text: m.content }] : []) : m.content;
    const prefill = i === final && m.role === 'assistant';
    const empty = contentProblem(blocks, i, prefill);
    if (empty) return empty;
    if (m.role === 'user') {
      const problem = toolResultProblem(blocks, pending, i);
      if (problem) return problem;
      pending = [];
    } else {
      if (pending.length)
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after`;
      pending = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
      lastAssistant = i;
    }
    for (const [j, b] of blocks.entries()) {
      const problem = blockProblem(b, m.role);
      if (problem) return `messages.${i}.content.${j}: ${problem}`;
    }
  }
  if (previousRole === undefined) return 'messages: first message must use the "user" role';
  if (lastAssistant === undefined || !thinkingOn(body)) return prefillProblem(body, final);
  // With thinking on, the final assistant turn (a prefill, or the one an open tool loop answers) starts with thinking.
  const lastUser = [...body.messages].reverse().find((m: Json) => m.role === 'user');
  const loopOpen = Array.isArray(lastUser?.content) && lastUser.content.some((b: Json) => b.type === 'tool_result');
  if (previousRole === 'user' && !loopOpen) return undefined;
  if (previousRole === 'assistant') {
    const problem = prefillProblem(body, final);
    if (problem) return problem;
  }
  const assistant: unknown = body.messages[lastAssistant].content;
  const first = Array.isArray(assistant) ? assistant[0] : { type: 'text' };
  if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
    return `messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
  }
  return undefined;
}

/** Empty content (allowed only in a final assistant turn) and text that is only whitespace. */
function contentProblem(blocks: Json[], i: number, prefill: boolean): string | undefined {
  if (blocks.length === 0) {
    return prefill
      ? undefined
      : `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  }
  const whitespace = (b: Json): boolean =>
    b?.type === 'text' && typeof b.text === 'string' && b.text.length > 0 && b.text.trim() === '';
  if (!prefill && blocks.every(whitespace)) return 'messages: text content blocks must contain non-whitespace text';
  return undefined;
}

/** A final assistant turn: refused by the Claude 4.6 models and later; elsewhere it may not end with whitespace. */
function prefillProblem(body: Json, final: number): string | undefined {
  const m: Json = body.messages[final];
  if (m.role !== 'assistant') return undefined;
  if (modelIn(body.model, NO_PREFILL_MODELS))
    return 'This model does not support assistant message prefill. The conversation must end with a user message.';
  const last: unknown = typeof m.content === 'string' ? { type: 'text', text: m.content } : m.content.at(-1);
  if (isObject(last) && last.type === 'text' && typeof last.text === 'string' && /\s$/.test(last.text))
    return 'messages: final assistant content cannot end with trailing whitespace';
  return undefined;
}

function systemEntryProblem(m: Json, i: number, beta: (names: string[]) => boolean): string | undefined {
  for (const key of Object.keys(m)) {
    if (key === 'output_config' && !beta(SYSTEM_OUTPUT_CONFIG_BETAS))
      return `messages.${i}.system.output_config: Extra inputs are not permitted`;
    if (!['role', 'content', 'output_config', 'clear_at'].includes(key))
      return `messages.${i}.system.${key}: Extra inputs are not permitted`;
  }
  if (m.content === undefined && m.output_config == null)
    return `messages.${i}: a system message needs content or output_config`;
  if (m.content !== undefined && typeof m.content !== 'string') {
    if (!Array.isArray(m.content)) return `messages.${i}.content: Input should be a valid string`;
    for (const [j, b] of m.content.entries()) {
      if (!['text', 'tool_addition', 'tool_removal'].includes(b?.type))
        return `messages.${i}.content.${j}: Input tag '${String(b?.type)}' found using 'type' does not match any of the expected tags: 'text', 'tool_addition', 'tool_removal'`;
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text.length === 0))
        return `messages.${i}.content.${j}: text content blocks must be non-empty`;
    }
  }
  return outputConfigProblem(m.output_config, `messages.${i}.output_config`);
}

function toolResultProblem(blocks: Json[], pending: string[], i: number): string | undefined {
  const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
  for (const wanted of pending) {
    if (!results.includes(wanted)) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${wanted}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
  const lastResult = blocks.map((b) => b.type).lastIndexOf('tool_result');
  if (pending.length && firstOther !== -1 && firstOther < lastResult)
    return `messages.${i}: tool_result blocks must come first in the user message`;
  for (const r of results) {
    if (!pending.includes(r))
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${r}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
  }
  return undefined;
}

function blockProblem(b: Json, role: string): string | undefined {
  switch (b.type) {
    case 'text':
      if (typeof b.text !== 'string' || b.text.length === 0) return 'text content blocks must be non-empty';
      return citationsProblem(b.citations);
    case 'web_search_tool_result':
      return searchResultsProblem(b.content);
    case 'image': {
      if (role !== 'user') return 'image blocks are only allowed in user messages';
      const s = b.source ?? {};
      if (s.type === 'base64') {
        if (!IMAGE_TYPES.has(s.media_type))
          return `image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        if (typeof s.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(s.data))
          return 'image.source.base64.data: invalid base64 data';
        return undefined;
      }
      if (s.type === 'url')
        return typeof s.url === 'string' && /^https?:\/\//.test(s.url)
          ? undefined
          : 'image.source.url.url: invalid URL';
      if (s.type === 'file')
        return typeof s.file_id === 'string' ? undefined : 'image.source.file.file_id: Field required';
      return "image.source: Input tag does not match any of the expected tags: 'base64', 'url', 'file'";
    }
    case 'tool_use':
      return role === 'assistant' && typeof b.id === 'string' && typeof b.name === 'string' && isObject(b.input)
        ? undefined
        : 'tool_use: id, name and an object input are required';
    case 'tool_result':
      return role === 'user' && typeof b.tool_use_id === 'string' ? undefined : 'tool_result: tool_use_id is required';
    case 'thinking':
      if (role !== 'assistant') return 'thinking blocks are only allowed in assistant messages';
      return verifyThinking(b.signature, b.thinking) ? undefined : 'Invalid `signature` in `thinking` block';
    case 'redacted_thinking':
      if (role !== 'assistant' || typeof b.data !== 'string') return 'redacted_thinking.data: Field required';
      return verifyRedactedThinking(b.data) ? undefined : 'Invalid `data` in `redacted_thinking` block';
    default:
      return OTHER_BLOCKS.has(b.type)
        ? undefined
        : `Input tag '${String(b.type)}' found using 'type' does not match any of the expected tags`;
  }
}

/** cache_control markers in a body: top level, system, tools, message blocks (system entries included). */
export function countCacheControl(body: Json): number {
  let n = body.cache_control ? 1 : 0;
  const visit = (blocks: unknown): void => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks) if (isObject(b) && b.cache_control) n++;
  };
  visit(body.system);
  visit(body.tools);
  for (const m of Array.isArray(body.messages) ? body.messages : []) visit(m?.content);
  return n;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True with thinking enabled or adaptive. */
function thinkingOn(body: Json): boolean {
  return body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive';
}

/** True when the model id is one of `models` or continues one with `-` (a dated snapshot). */
function modelIn(model: string, models: readonly string[]): boolean {
  return models.some((m) => model === m || model.startsWith(`${m}-`));
}

/**
 * What the mock puts in a web search result's `encrypted_content`: the API's own encryption of the
 * page, which it decrypts when the result comes back in the history (the web search tool's docs:
 * it "must be passed back" for multi-turn conversations). One it did not make cannot be read.
 */
export function searchPageContent(url: string): string {
  return Buffer.from(`page:${url}`).toString('base64');
}

/** What the mock puts in a `web_search_result_location` citation's `encrypted_index` (the API's pointer into the page). */
export function searchCitationIndex(url: string): string {
  return Buffer.from(`cite:${url}`).toString('base64');
}

/** A web_search_tool_result sent back: each result's encrypted_content must be the API's own. */
function searchResultsProblem(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined; // an error result: nothing encrypted
  for (const r of content) {
    if (r?.type !== 'web_search_result') continue;
    if (r.encrypted_content !== searchPageContent(String(r.url)))
      return 'Invalid `encrypted_content` in `web_search_result` block';
  }
  return undefined;
}

/** A text block's web search citations sent back: each encrypted_index must be the API's own. */
function citationsProblem(citations: unknown): string | undefined {
  if (!Array.isArray(citations)) return undefined;
  for (const c of citations) {
    if (c?.type !== 'web_search_result_location') continue;
    if (c.encrypted_index !== searchCitationIndex(String(c.url)))
      return 'Invalid `encrypted_index` in `web_search_result_location` citation';
  }
  return undefined;
}
