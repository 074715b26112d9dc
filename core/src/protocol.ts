/**
 * The `@switchyard/core/protocol` subpath: the canonical (OpenAI Chat Completions) types every
 * conversion goes through, and what an inbound protocol plugin implements and reuses.
 */
export type * from './protocols/canonical.js';
export type { Decoded, InboundProtocol, InboundRoute, ProtocolCodec, StreamObservation } from './protocols/codec.js';
export { INBOUND_WARNINGS } from './protocols/codec.js';
export { ProtocolRegistry, errorObject } from './protocols/registry.js';
export { CompletionAccumulator } from './protocols/completion-stream.js';
export { MAX_OUTPUT_TOKENS, requestValidator } from './http/body.js';
export { CAPTURED_COMPLETION } from './exchange.js';
