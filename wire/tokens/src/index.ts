export { TokenCache, TokenCaches } from './token-cache.js';
export type { AccessToken } from './token-cache.js';
