/**
 * Google OAuth access tokens for Vertex AI, by google-auth-library: a service-account key (JWT
 * bearer grant) or an authorized-user file (refresh token), from the instance (`credentials`
 * inline, or `keyFile`) or application-default credentials (GOOGLE_APPLICATION_CREDENTIALS, else
 * gcloud's well-known file). Never the GCE metadata server: a gateway must not reach for it by
 * surprise.
 *
 * google-auth-library posts every token request to https://oauth2.googleapis.com/token,
 * whatever the key file's `token_uri` says; a key whose `token_uri` differs (a private
 * endpoint, or a local test server) has its token requests sent there instead.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as GoogleAuth from 'google-auth-library';
import type { Credentials, OAuth2Client } from 'google-auth-library';
import { isLoopback, SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { TokenCache, TokenCaches } from '@switchyard/wire-tokens';
import type { AccessToken } from '@switchyard/wire-tokens';
import { optionsOf } from './instance-fields.js';

/** google-auth-library, loaded at the first token a Vertex instance needs: a gateway without one never loads it. */
let library: typeof GoogleAuth | undefined;
const googleAuth = (): typeof GoogleAuth =>
  (library ??= createRequire(import.meta.url)('google-auth-library') as typeof GoogleAuth);

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const ALWAYS_EXPIRING = 100 * 365 * 24 * 3600 * 1000;

export interface GoogleCredentialOptions {
  /** A service-account (or authorized-user) JSON key, inline. */
  credentials?: Record<string, unknown>;
  /** Path to such a JSON key file. */
  keyFile?: string;
}

interface KeyJson {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
  client_id?: string;
  client_secret?: string;
  refresh_token?: string;
}

/** The key an instance uses: inline, its file, GOOGLE_APPLICATION_CREDENTIALS, or gcloud's application-default file. */
export function loadKey(
  o: GoogleCredentialOptions,
  env: NodeJS.ProcessEnv = process.env,
): { key: KeyJson; from: string } {
  if (o.credentials) return { key: o.credentials as KeyJson, from: 'credentials' };
  const candidates = [
    ...(o.keyFile ? [o.keyFile] : []),
    ...(!o.keyFile && env.GOOGLE_APPLICATION_CREDENTIALS ? [env.GOOGLE_APPLICATION_CREDENTIALS] : []),
    ...(!o.keyFile && !env.GOOGLE_APPLICATION_CREDENTIALS
      ? [join(env.CLOUDSDK_CONFIG ?? join(homedir(), '.config', 'gcloud'), 'application_default_credentials.json')]
      : []),
  ];
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `Google credentials ${file} could not be read: ${(err as Error).message}`,
        { expose: true },
      );
    }
    try {
      return { key: JSON.parse(text) as KeyJson, from: file };
    } catch {
      // JSON.parse's message quotes the text it choked on: a piece of a private key, maybe.
      throw new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `Google credentials ${file} could not be read: not a JSON key`,
        { expose: true },
      );
    }
  }
  throw new SwitchyardError(
    'SWITCHYARD_ERR_UPSTREAM_FAILED',
    'no Google credentials: set credentials or keyFile, or GOOGLE_APPLICATION_CREDENTIALS',
    { expose: true },
  );
}

/** The google-auth-library client for a key, its token requests sent to the key's own token_uri. */
export function clientFor(key: KeyJson, from: string, scopes: string[]): OAuth2Client {
  const { JWT, UserRefreshClient } = googleAuth();
  let client: OAuth2Client;
  if (key.type === 'service_account' && key.client_email && key.private_key) {
    // The library keeps its own token and refreshes it only near expiry by its own clock; a
    // threshold this large makes every authorize() fetch, so that the TokenCache decides.
    client = new JWT({
      email: key.client_email,
      key: key.private_key,
      ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
      scopes,
      eagerRefreshThresholdMillis: ALWAYS_EXPIRING,
    });
  } else if (key.type === 'authorized_user' && key.refresh_token) {
    client = new UserRefreshClient({
      clientId: key.client_id,
      clientSecret: key.client_secret,
      refreshToken: key.refresh_token,
    });
  } else {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_FAILED',
      `Google credentials from ${from}: a service_account or authorized_user key is needed (type ${String(key.type)})`,
      { expose: true },
    );
  }
  const tokenUri = key.token_uri;
  const custom = tokenUri && tokenUri !== GOOGLE_TOKEN_URL ? new URL(tokenUri) : undefined;
  if (custom && custom.protocol !== 'https:' && !isLoopback(custom.hostname)) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_FAILED',
      `Google credentials from ${from}: token_uri must be https (plain http only on loopback)`,
      { expose: true },
    );
  }
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (custom && String(config.url) === GOOGLE_TOKEN_URL) config.url = custom;
      // A redirect would take the signed assertion or refresh token to whatever host it names.
      config.redirect = 'error';
      return config;
    },
  });
  return client;
}

/** A fresh token from the library (its own cache bypassed: the TokenCache decides when to refresh). */
export async function fetchToken(client: OAuth2Client): Promise<AccessToken> {
  let credentials: Credentials;
  try {
    credentials =
      client instanceof googleAuth().JWT ? await client.authorize() : (await client.refreshAccessToken()).credentials;
  } catch (err) {
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_FAILED',
      `Google token exchange failed: ${(err as Error).message}`,
      { expose: true, cause: err },
    );
  }
  const token = credentials.access_token;
  if (!token)
    throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'Google token exchange returned no access token', {
      expose: true,
    });
  const expiry = credentials.expiry_date;
  return { token, expiresInMs: typeof expiry === 'number' ? expiry - Date.now() : 3_000_000 };
}

/**
 * The bearer token of each instance: one cached token per instance, made at its first request
 * (its key read then, so a missing file is that request's error, not a refused start) and
 * fetched again `tokenRefreshMs` before it expires by the `now` clock.
 */
export function vertexTokens(now?: () => number): (instance: ProviderInstance) => Promise<string> {
  const tokens = new TokenCaches<ProviderInstance>((instance) => {
    const options = optionsOf(instance);
    let client: OAuth2Client | undefined;
    const fetch = (): Promise<AccessToken> => {
      if (!client) {
        const { key, from } = loadKey(options);
        client = clientFor(key, from, options.scopes);
      }
      return fetchToken(client);
    };
    return new TokenCache(fetch, options.tokenRefreshMs, now);
  });
  return (instance) => tokens.for(instance)!.get();
}
