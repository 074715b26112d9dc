import type { IncomingHttpHeaders } from 'node:http';
import { contract } from '@switchyard/core';
import type { Caller } from '@switchyard/core';

/**
 * Who is calling a route that runs no hooks (a plugin's `/v1/*` route): the caller of a valid
 * gateway key in these headers, else undefined. Provided while the auth plugin has keys; a plugin
 * that keeps per-caller data (stored responses) scopes its routes with it.
 */
export const CALLER_OF = contract<(headers: IncomingHttpHeaders, url: string) => Caller | undefined>('auth:caller-of');
