import { contract } from '@switchyard/core';

/**
 * The request's affinity key (a stable hash naming its conversation or prompt prefix), set by
 * the load balancer at stage ORDER. A prompt-cache plugin can read it to group requests.
 */
export const AFFINITY_KEY = contract<string>('load-balancer:affinity');
