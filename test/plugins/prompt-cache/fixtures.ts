import type { Plugin } from '@switchyard/core';
import type { Usage } from '@switchyard/core/protocol';
import { AFFINITY_KEY } from '@switchyard/plugin-load-balancer';
import { PROMPT_CACHE_STATS } from '@switchyard/plugin-prompt-cache';
import type { PromptCacheStats } from '@switchyard/plugin-prompt-cache';

/** A system prompt of ~1,900 tokens: over the 1024-token minimum of Sonnet-class models, under Haiku 4.5's 4096. */
export const LONG_SYSTEM = Array.from(
  { length: 120 },
  (_, i) =>
    `Rule ${i + 1}: when the traveller asks about region ${i + 1}, answer with care and cite guide section ${i + 1}.`,
).join('\n');

const longText = (topic: string): string =>
  Array.from(
    { length: 40 },
    (_, i) => `${topic} detail ${i + 1}: describe option ${i + 1} precisely and keep units consistent.`,
  ).join(' ');

/** OpenAI-style tools whose definitions together pass 1024 tokens. */
export const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'find_hotels',
      description: longText('hotel search'),
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
  {
    type: 'function',
    function: {
      name: 'book_train',
      description: longText('train booking'),
      parameters: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

export interface Seen {
  stats: PromptCacheStats | undefined;
  usage: Usage | undefined;
  affinity: string | undefined;
  stream: boolean;
}

/** Records, after every successful attempt, what the prompt-cache plugin left on the exchange. */
export function recorder(seen: Seen[]): Plugin {
  return {
    name: 'test-recorder',
    apply(gateway) {
      gateway.hooks.onResult.tap('test-recorder', (result, x) => {
        if (result.outcome !== 'success') return;
        const stats = x.get(PROMPT_CACHE_STATS);
        seen.push({
          stats: stats && structuredClone(stats),
          usage: result.usage && structuredClone(result.usage),
          affinity: x.get(AFFINITY_KEY),
          stream: result.stream,
        });
      });
    },
  };
}

type Json = Record<string, any>;

/** Where a recorded Anthropic request carries cache_control: `tools.<i>`, `system.<i>`, `messages.<i>.<j>`. */
export function breakpointsOf(body: Json): string[] {
  const out: string[] = [];
  (body.tools ?? []).forEach((t: Json, i: number) => t.cache_control && out.push(`tools.${i}`));
  if (Array.isArray(body.system))
    body.system.forEach((b: Json, i: number) => b.cache_control && out.push(`system.${i}`));
  body.messages.forEach((m: Json, i: number) => {
    if (Array.isArray(m.content))
      m.content.forEach((b: Json, j: number) => b.cache_control && out.push(`messages.${i}.${j}`));
  });
  return out;
}
