import type { AnthropicContentBlock, AnthropicMessagesRequest } from '@switchyard/wire-anthropic';

/** Characters per token assumed by the estimate (English prose averages about 4). */
const CHARS_PER_TOKEN = 4;
/** Flat estimate per image: Anthropic bills about width×height/750, and a typical 1092×1092 image is ~1600. */
const IMAGE_TOKENS = 1600;
/** Per-message framing overhead. */
const MESSAGE_TOKENS = 3;

/**
 * An approximation of `POST /v1/messages/count_tokens` for when no upstream counts:
 * characters / 4 over every text, tool definition and tool input, plus a flat cost per image.
 */
export function estimateInputTokens(body: AnthropicMessagesRequest): number {
  let chars = 0;
  let extra = 0;
  const add = (text: unknown): void => {
    if (typeof text === 'string') chars += text.length;
    else if (text !== undefined) chars += JSON.stringify(text).length;
  };
  const blocks = (content: string | AnthropicContentBlock[] | undefined): void => {
    if (typeof content === 'string') return add(content);
    for (const block of content ?? []) {
      if (block.type === 'image' || block.type === 'document') extra += IMAGE_TOKENS;
      else if (block.type === 'text') add(block.text);
      else if (block.type === 'thinking') add(block.thinking);
      else if (block.type === 'tool_use') add(`${String(block.name)}${JSON.stringify(block.input ?? {})}`);
      else if (block.type === 'tool_result') blocks(block.content as string | AnthropicContentBlock[] | undefined);
      else add(block);
    }
  };
  if (typeof body.system === 'string') add(body.system);
  else for (const block of body.system ?? []) add(block.text);
  for (const message of body.messages) {
    extra += MESSAGE_TOKENS;
    blocks(message.content);
  }
  for (const tool of body.tools ?? []) add(tool);
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + extra);
}
