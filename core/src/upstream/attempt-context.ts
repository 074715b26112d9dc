import type { Exchange } from '../exchange.js';
import type { ProtocolCodec } from '../protocols/codec.js';
import type { ProviderAdapter } from '../providers.js';
import type { AttemptResult, Target, UpstreamRequest } from '../types.js';
import type { UpstreamAbort } from './abort.js';
import type { UpstreamClient } from './client.js';

/** What one upstream attempt works with: dispatch builds it, runAttempt and the stream it delivers read it. */
export interface AttemptContext {
  readonly x: Exchange;
  readonly target: Target;
  readonly adapter: ProviderAdapter;
  readonly codec: ProtocolCodec;
  /** The upstream speaks the caller's protocol (its adapter's protocolFor, else protocol): bodies and streams pass through. */
  readonly passThrough: boolean;
  readonly http: UpstreamClient;
  readonly request: UpstreamRequest;
  /** Reports to onResult, at once while its taps answer at once; never throws. */
  readonly report: (result: AttemptResult) => void | Promise<void>;
  /** Head (streaming: first event) timeout of this attempt. @default target.instance.timeoutMs */
  readonly timeoutMs?: number;
  /** Started as a hedge beside another attempt (reported on its result). */
  readonly hedge?: boolean;
  /** Where the attempt's abort switch is bound. @default the exchange's (one attempt at a time) */
  readonly bind?: (controller: UpstreamAbort | undefined) => void;
}

export function bindUpstream(c: AttemptContext, controller: UpstreamAbort | undefined): void {
  if (c.bind) c.bind(controller);
  else c.x.bindUpstream(controller);
}

/** Why a connection failed, in words a caller may read (no addresses, no internals). */
export function connectionMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset by upstream';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'upstream stopped sending';
  return code ? `connection error (${code})` : 'connection error';
}
