/**
 * A converted Converse request fitted to what Bedrock and the target model take, where a body
 * OpenAI takes would be refused: tool choices per model family, tool-use ids of the API's pattern,
 * no cache point after a text document for Claude, and tool history as text when no tools are
 * offered. Each change the caller would notice is named in a warning.
 */
import { createHash } from 'node:crypto';
import type { ContentBlock, ConverseRequest, Message, ToolChoice } from './converse-types.js';

type Warn = (message: string) => void;

const CLAUDE = /anthropic\./;
const NOVA = /amazon\.nova/;
const MISTRAL_LARGE = /mistral\.mistral-large/;
/** Model families Bedrock names (`meta.`, `us.amazon.`…): an id without one (an ARN of a custom model) is left as is. */
const FAMILY = /(^|[./])(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|writer|qwen|openai)\./;

/** `toolChoice.any` and `toolChoice.tool`: Claude and Mistral Large take both, Nova only `tool`, other families neither. */
function toolChoicesOf(model: string): { any: boolean; tool: boolean } {
  if (!FAMILY.test(model) || CLAUDE.test(model) || MISTRAL_LARGE.test(model)) return { any: true, tool: true };
  return { any: false, tool: NOVA.test(model) };
}

/**
 * The tool choice the model takes: `any` becomes the one tool by name where only `tool` is taken,
 * else auto (no choice); a named tool becomes auto where it is not taken. `why` names the request
 * field the choice came from, for the warning.
 */
export function fitToolChoice(
  choice: ToolChoice | undefined,
  model: string,
  tools: readonly string[],
  why: string,
  warn: Warn,
): ToolChoice | undefined {
  if (!choice || 'auto' in choice) return choice;
  const takes = toolChoicesOf(model);
  if ('any' in choice) {
    if (takes.any) return choice;
    if (takes.tool && tools.length === 1) return { tool: { name: tools[0]! } };
  } else if (takes.tool) return choice;
  warn(`${why}: the tools are offered, not forced (${model} takes no forced tool choice)`);
  return undefined;
}

/** Converse tool-use ids match `[a-zA-Z0-9_.:-]+` of at most 64 characters; other ids are mapped the same way each time. */
export function converseToolUseId(id: string): string {
  const kept = id.replace(/[^a-zA-Z0-9_.:-]/g, '_');
  if (kept.length <= 64) return kept;
  return `${kept.slice(0, 47)}_${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
}

/** Claude on Bedrock refuses a cache point right after a document other than a PDF: such cache points are left out. */
export function withoutCachePointsAfterTextDocuments(body: ConverseRequest, model: string, warn: Warn): void {
  if (!CLAUDE.test(model)) return;
  let dropped = 0;
  for (const message of body.messages) {
    message.content = message.content.filter((block, i) => {
      const before = message.content[i - 1];
      const refused = 'cachePoint' in block && before && 'document' in before && before.document.format !== 'pdf';
      if (refused) dropped++;
      return !refused;
    });
  }
  if (dropped) warn(`${dropped} cache point(s) after a non-PDF document dropped (Bedrock refuses them for Claude)`);
}

/** Converse refuses tool-use and tool-result blocks without a toolConfig: with no tools offered, they go as text. */
export function toolHistoryAsText(messages: Message[], warn: Warn): void {
  let changed = false;
  for (const message of messages) {
    message.content = message.content.map((block): ContentBlock => {
      if ('toolUse' in block) {
        changed = true;
        return { text: `[called ${block.toolUse.name}(${JSON.stringify(block.toolUse.input)})]` };
      }
      if ('toolResult' in block) {
        changed = true;
        const parts = block.toolResult.content.map((c) =>
          'text' in c ? c.text : 'json' in c ? JSON.stringify(c.json) : `(${Object.keys(c)[0]})`,
        );
        return { text: `[tool result: ${parts.join(' ')}]` };
      }
      return block;
    });
  }
  if (changed) warn('tool calls in the history sent as text (no tools are offered, and Converse takes none without)');
}
