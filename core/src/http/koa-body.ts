import type { Context } from 'koa';

/**
 * Sets a Koa response body, serializing to JSON here what is neither a string nor a Buffer nor
 * a Node stream. Given an object, Koa's body setter and its respond() test it with `instanceof`
 * against the global ReadableStream, Blob and Response; reading `Response` loads Node's bundled
 * undici (fetch), megabytes of memory for the first /health. The JSON is the same as Koa's
 * (`JSON.stringify`, `application/json; charset=utf-8` unless a content-type was set).
 */
export function setBody(ctx: Context, body: unknown): void {
  if (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    Buffer.isBuffer(body) ||
    typeof (body as { pipe?: unknown }).pipe === 'function'
  ) {
    ctx.body = body;
    return;
  }
  if (!ctx.response.get('Content-Type')) ctx.type = 'json';
  ctx.body = JSON.stringify(body);
}
