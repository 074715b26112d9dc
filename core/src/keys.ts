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
 * Set at stage ORDER by a plugin that ranked the candidates itself (the strategies plugin):
 * who ranked them and each target's score (higher is better). A load balancer that sees it
 * keeps that order, applying stickiness only between targets of equal score.
 */
export const ROUTE_ORDERED = exchangeKey<{ readonly by: string; readonly scores: Readonly<Record<string, number>> }>('route-ordered');
