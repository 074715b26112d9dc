import type { ErrorClass, Exchange } from '@switchyard/core';

export type { ErrorClass };

export interface ErrorKind {
  readonly errorClass: ErrorClass;
  readonly type: string;
}

const STREAM_BROKEN: ErrorKind = { errorClass: 'upstream', type: 'stream_broken' };
const CLIENT_ABORT: ErrorKind = { errorClass: 'caller', type: 'client_abort' };
const INTERNAL: ErrorKind = { errorClass: 'gateway', type: 'internal' };

/** What went wrong with a finished request, or undefined when nothing did: the class and kind the error itself carries. */
export function errorKind(x: Exchange): ErrorKind | undefined {
  const outcome = x.response;
  if (!outcome) return undefined;
  if (outcome.errorCode !== undefined) {
    return outcome.errorClass && outcome.errorKind
      ? { errorClass: outcome.errorClass, type: outcome.errorKind }
      : INTERNAL;
  }
  if (outcome.aborted) return CLIENT_ABORT;
  if (outcome.error !== undefined) return STREAM_BROKEN;
  return undefined;
}
