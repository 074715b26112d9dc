/**
 * Runs an app built on the real Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`, unmodified):
 * its documented `query()` in this process, which starts the SDK's own native Claude Code binary
 * (from `@anthropic-ai/claude-agent-sdk-linux-x64`) against a given Anthropic-compatible base URL,
 * fully offline: a throw-away HOME and CLAUDE_CONFIG_DIR, no filesystem settings, and through the
 * SDK's `env` option (which replaces the binary's environment whole) a clean environment with no
 * real keys plus every switch that keeps Claude Code quiet (CLAUDE_CODE_OFFLINE_ENV, the same list
 * and reasons as for the Claude Code CLI). Collects every SDK message: the `result`, the assistant's
 * tool_use blocks and the tool results that answered them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  query,
  type McpServerConfig,
  type OutputFormat,
  type SDKMessage,
  type SDKResultMessage,
} from '@anthropic-ai/claude-agent-sdk';
import { CLAUDE_CODE_OFFLINE_ENV, type ToolCall } from './claude-code.js';
import { baseEnv } from './run-process.js';

export { CLAUDE_CODE_OFFLINE_ENV };
export type { ToolCall };

export interface AgentSdkRun {
  /** Anthropic base URL (Claude Code adds /v1/messages), as ANTHROPIC_BASE_URL. */
  baseUrl: string;
  /** As ANTHROPIC_API_KEY: Claude Code sends it as x-api-key. */
  apiKey: string;
  prompt: string;
  /** The `model` option; Claude Code's own default when omitted. */
  model?: string;
  /** Working directory (a fresh temp dir when omitted). */
  cwd?: string;
  /** The `tools` option: the built-in tools offered to the model (Claude Code's default set when omitted). */
  tools?: string[];
  /** The `allowedTools` option: permission rules granted without asking, e.g. `Bash(echo:*)` or `mcp__app__add`. */
  allowedTools?: string[];
  /** The `mcpServers` option, e.g. an in-process server from `createSdkMcpServer()`. */
  mcpServers?: Record<string, McpServerConfig>;
  /** The `outputFormat` option (structured output). */
  outputFormat?: OutputFormat;
  /** The `maxTurns` option. @default 4 */
  maxTurns?: number;
  /** Extra environment for Claude Code (e.g. the deny proxy's variables), over everything else. */
  extraEnv?: Record<string, string>;
  /** Only to mean "hung": the query is aborted after it. @default 120000 */
  timeoutMs?: number;
}

export interface AgentSdkResult {
  /** True when the query outlived `timeoutMs` and was aborted. */
  timedOut: boolean;
  /**
   * What the SDK threw while iterating, if anything: after an error result (`Claude Code returned an
   * error result`), or instead of a result.
   */
  thrown?: Error;
  /** What Claude Code wrote on stderr. */
  stderr: string;
  /** The final `result` message, if the SDK produced one. */
  result?: SDKResultMessage;
  /** The result text of a successful run. */
  text?: string;
  toolCalls: ToolCall[];
  /** Every SDK message, in order. */
  messages: SDKMessage[];
}

export async function runClaudeAgentSdk(run: AgentSdkRun): Promise<AgentSdkResult> {
  const home = await mkdtemp(join(tmpdir(), 'sy-agent-sdk-home-'));
  const cwd = run.cwd ?? (await mkdtemp(join(tmpdir(), 'sy-agent-sdk-cwd-')));
  const abortController = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abortController.abort();
  }, run.timeoutMs ?? 120_000);
  const messages: SDKMessage[] = [];
  let stderr = '';
  let thrown: Error | undefined;
  try {
    const env = {
      ...baseEnv(home),
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      ANTHROPIC_BASE_URL: run.baseUrl,
      ANTHROPIC_API_KEY: run.apiKey,
      ...CLAUDE_CODE_OFFLINE_ENV,
      ...run.extraEnv,
    };
    const stream = query({
      prompt: run.prompt,
      options: {
        cwd,
        env,
        abortController,
        model: run.model,
        tools: run.tools,
        allowedTools: run.allowedTools,
        mcpServers: run.mcpServers,
        outputFormat: run.outputFormat,
        maxTurns: run.maxTurns ?? 4,
        // Only what the app passes: no user, project or local settings files are read.
        settingSources: [],
        persistSession: false,
        stderr: (data) => void (stderr += data),
      },
    });
    for await (const message of stream) messages.push(message);
  } catch (error) {
    thrown = error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
    await rm(home, { recursive: true, force: true });
    if (!run.cwd) await rm(cwd, { recursive: true, force: true });
  }
  const result = messages.findLast((m): m is SDKResultMessage => m.type === 'result');
  return {
    timedOut,
    thrown,
    stderr,
    result,
    text: result?.subtype === 'success' ? result.result : undefined,
    toolCalls: toolCallsOf(messages),
    messages,
  };
}

/** The assistant's tool_use blocks, each with the tool_result that answered it. */
function toolCallsOf(messages: readonly SDKMessage[]): ToolCall[] {
  const calls = new Map<string, ToolCall>();
  for (const message of messages) {
    if (message.type === 'assistant') {
      for (const block of message.message.content)
        if (block.type === 'tool_use')
          calls.set(block.id, { name: block.name, input: (block.input ?? {}) as Record<string, unknown> });
    } else if (message.type === 'user' && Array.isArray(message.message.content)) {
      for (const block of message.message.content) {
        const call = block.type === 'tool_result' ? calls.get(block.tool_use_id) : undefined;
        if (!call || block.type !== 'tool_result') continue;
        call.result = typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
        call.isError = block.is_error === true;
      }
    }
  }
  return [...calls.values()];
}
