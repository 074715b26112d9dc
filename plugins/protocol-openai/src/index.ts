import { definePlugin, Type } from '@switchyard/core';
import { requestValidator } from '@switchyard/core/protocol';
import type { ChatRequest, InboundProtocol } from '@switchyard/core/protocol';
import type { Plugin } from '@switchyard/core';
import { openaiCodec } from './codec.js';
import { ModelCatalog } from './models-route.js';
import { chatRequestSchema, embeddingsRequestSchema } from './schema.js';

export const PLUGIN = 'protocol-openai';
export { openaiCodec } from './codec.js';
export { ModelCatalog } from './models-route.js';
export type { ModelEntry } from './models-route.js';
export { chatRequestSchema, embeddingsRequestSchema } from './schema.js';

const validateChat = requestValidator(chatRequestSchema);
const validateEmbeddings = requestValidator(embeddingsRequestSchema);

/** OpenAI Chat Completions (the canonical form: the body is the request) and embeddings. */
export const openaiProtocol: InboundProtocol = {
  ...openaiCodec,
  routes: [
    {
      path: '/v1/chat/completions',
      operation: 'chat',
      decode(body) {
        validateChat(body);
        return { request: body as unknown as ChatRequest };
      },
    },
    {
      path: '/v1/embeddings',
      operation: 'embeddings',
      decode(body) {
        validateEmbeddings(body);
        return {};
      },
    },
  ],
};

/**
 * The OpenAI API for callers: `POST /v1/chat/completions` (streaming or not) and
 * `POST /v1/embeddings`, passed through untouched to OpenAI-compatible upstreams and converted
 * for others; `GET /v1/models`, each public model name once.
 */
export function protocolOpenAI(): Plugin<Record<string, never>> {
  return definePlugin({
    name: PLUGIN,
    options: Type.Object({}, { additionalProperties: false }),
    protocols: [openaiProtocol],
    apply(gateway) {
      const catalog = new ModelCatalog(gateway);
      gateway.routes.add({
        method: 'GET',
        path: '/v1/models',
        plugin: PLUGIN,
        handle: async (req) => ({ body: { object: 'list', data: await catalog.list(req.headers, req.url) } }),
      });
    },
  });
}

export default protocolOpenAI;
