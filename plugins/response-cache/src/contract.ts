import { contract } from '@switchyard/core';

/**
 * How a cache answered this request (`hit`, `miss`, `bypass`, `stored` ...), set by the response
 * cache; the request log line, the metrics and the console report it.
 */
export const CACHE_OUTCOME = contract<string>('response-cache:outcome');
