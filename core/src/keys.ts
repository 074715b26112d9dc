import { exchangeKey } from './exchange.js';

/**
 * Exchange keys that several plugins share. Plugins never import each other; when one
 * publishes a value another reads, the key lives here, in core.
 */

/**
 * The request's affinity key (a stable hash naming its conversation or prompt prefix), set by
 * the load balancer at stage ORDER. A prompt-cache plugin can read it to group requests.
 */
export const AFFINITY_KEY = exchangeKey<string>('affinity');

/**
 * How a cache answered this request (`hit`, `miss`, `bypass`, `stored` ...), set by a caching
 * plugin; the request log line and metrics report it.
 */
export const CACHE_OUTCOME = exchangeKey<string>('cache');
