import { errorCode } from '@switchyard/core';

/** 429: a gateway key (or key × model) is over one of its limits. */
export const RATE_LIMITED = errorCode('SWITCHYARD_ERR_RATE_LIMITED', {
  status: 429,
  type: 'rate_limit_error',
  class: 'policy',
  kind: 'rate_limited',
});
/** 503: the counters' store cannot be asked and `onStoreError` is `deny`. */
export const LIMITER_UNAVAILABLE = errorCode('SWITCHYARD_ERR_LIMITER_UNAVAILABLE', {
  status: 503,
  type: 'service_unavailable',
  class: 'policy',
  kind: 'limiter_unavailable',
});
