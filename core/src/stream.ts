/**
 * The `@switchyard/core/stream` subpath: Server-Sent Events, and what a stream layer outside core
 * (a plugin's or a wire library's converter) builds on to push when the upstream body does.
 */
export { readSse, formatSse } from './upstream/sse.js';
export type { SseEvent } from './types.js';
export { PushLayer, RETURNED } from './protocols/push.js';
export type { PushListener, PushSource } from './protocols/push.js';
