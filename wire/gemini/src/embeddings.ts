import { SwitchyardError } from '@switchyard/core';
import type { EmbeddingsRequest } from '@switchyard/core/protocol';
import type { Warn } from './request.js';
import type { BatchEmbedContentsRequest, EmbedContentRequest } from './types.js';

const HANDLED = new Set(['model', 'input', 'encoding_format', 'dimensions']);

export interface EmbedCall {
  /** `embedContent` for one input, `batchEmbedContents` for a list. */
  method: 'embedContent' | 'batchEmbedContents';
  body: EmbedContentRequest | BatchEmbedContentsRequest;
}

/** OpenAI embeddings request → Gemini embedContent / batchEmbedContents. Token-id inputs are refused. */
export function toEmbedCall(req: EmbeddingsRequest, model: string, warn: Warn): EmbedCall {
  for (const key of Object.keys(req)) {
    if (!HANDLED.has(key) && req[key] !== undefined && req[key] !== null)
      warn(`${key} has no Gemini equivalent and was dropped`);
  }
  const texts = typeof req.input === 'string' ? [req.input] : req.input;
  if (!texts.every((t): t is string => typeof t === 'string')) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UNSUPPORTED',
      'Gemini embeddings take text input; token-id arrays are not supported',
      { param: 'input' },
    );
  }
  const one = (text: string, withModel: boolean): EmbedContentRequest => ({
    ...(withModel ? { model: `models/${model}` } : {}),
    content: { parts: [{ text }] },
    ...(typeof req.dimensions === 'number' ? { outputDimensionality: req.dimensions } : {}),
  });
  if (typeof req.input === 'string') return { method: 'embedContent', body: one(req.input, false) };
  return { method: 'batchEmbedContents', body: { requests: texts.map((t) => one(t, true)) } };
}
