import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { SwitchyardError } from '../errors.js';
import type { BodyController, UpstreamBody } from './body.js';

/**
 * A request without Accept-Encoding accepts any content coding (RFC 9110), and some upstreams and
 * proxies compress unasked: such an answer is decoded here, so that every reader (usage, secret
 * scrubbing, decoders, pass-through) sees the JSON or SSE it carries. `undefined`: not encoded;
 * `null`: an encoding the gateway cannot read.
 */
export function decoderFor(encoding: string | string[] | undefined): Transform | undefined | null {
  if (encoding === undefined) return undefined;
  const name = (Array.isArray(encoding) ? encoding.join(',') : encoding).trim().toLowerCase();
  if (name === '' || name === 'identity') return undefined;
  if (name === 'gzip' || name === 'x-gzip') return createGunzip();
  if (name === 'br') return createBrotliDecompress();
  if (name === 'deflate') return createInflate();
  return null;
}

export function unreadableEncoding(encoding: string | string[] | undefined, why?: string): SwitchyardError {
  const what = `upstream answered in content-encoding ${String(encoding)}`;
  return new SwitchyardError(
    'SWITCHYARD_ERR_UPSTREAM_FAILED',
    why ? `${what}, ${why}` : `${what}, which the gateway cannot read`,
    {
      expose: true,
    },
  );
}

/**
 * Feeds `body` the decoded bytes of an encoded answer. Pausing pauses both the socket and the
 * decoder, so that a reader that falls behind holds back what the decoder would make of the
 * bytes already received too.
 */
export class DecodingController implements BodyController {
  readonly #raw: BodyController;
  readonly #decoder: Transform;

  constructor(raw: BodyController, decoder: Transform, encoding: string | string[]) {
    this.#raw = raw;
    this.#decoder = decoder;
    decoder.on('error', (err: Error) => {
      const error = unreadableEncoding(encoding, `corrupt (${err.message})`);
      this.#body?.fail(error);
      raw.abort(error);
    });
  }

  #body: UpstreamBody | undefined;

  /** Starts handing `body` what the decoder makes. */
  feed(body: UpstreamBody): void {
    this.#body = body;
    this.#decoder.on('data', (chunk: Buffer) => {
      try {
        body.push(chunk);
      } catch (err) {
        // A reader refused the chunk (an SSE event too long, an answer too large): the body fails
        // with why, also when the raw body had all arrived (aborting it then reports nothing).
        body.fail(err);
        this.abort(err as Error);
      }
    });
    this.#decoder.on('end', () => body.end());
  }

  write(chunk: Buffer): void {
    this.#decoder.write(chunk);
  }

  end(): void {
    this.#decoder.end();
  }

  /** The raw body broke: nothing more is decoded. */
  destroy(): void {
    this.#decoder.destroy();
  }

  get paused(): boolean {
    return this.#raw.paused;
  }

  pause(): void {
    this.#raw.pause();
    this.#decoder.pause();
  }

  resume(): void {
    this.#raw.resume();
    this.#decoder.resume();
  }

  abort(reason: Error): void {
    this.#decoder.destroy();
    this.#raw.abort(reason);
  }
}
