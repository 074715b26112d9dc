import type { PromptTooLong } from '../errors.js';
import type { UpstreamErrorInfo } from '../providers.js';

/** Each API's sentence for a prompt over the context window, with its tokens and maximum where it names them. */
const SENTENCES: ReadonlyArray<{ pattern: RegExp; tokens: number; maximum: number }> = [
  // Anthropic: "prompt is too long: 210000 tokens > 200000 maximum"
  { pattern: /prompt is too long:\s*~?(\d+) tokens? > (\d+) maximum/i, tokens: 1, maximum: 2 },
  // OpenAI Chat: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens…"
  {
    pattern: /maximum context length is (\d+) tokens\.? However, your messages resulted in ~?(\d+) tokens/i,
    tokens: 2,
    maximum: 1,
  },
  // Gemini: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
  {
    pattern: /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/i,
    tokens: 1,
    maximum: 2,
  },
];

/** Sentences that say so without numbers: Bedrock's, and any error with OpenAI's code. */
const WITHOUT_NUMBERS = /input is too long for requested model|exceeds the context window|prompt is too long/i;

/** What an upstream's refusal says of a prompt too long for the model, or undefined when it says something else. */
export function promptTooLongOf(info: UpstreamErrorInfo): PromptTooLong | undefined {
  for (const { pattern, tokens, maximum } of SENTENCES) {
    const m = pattern.exec(info.message);
    if (m) return { tokens: Number(m[tokens]), maximum: Number(m[maximum]) };
  }
  return info.code === 'context_length_exceeded' || WITHOUT_NUMBERS.test(info.message) ? {} : undefined;
}
