/**
 * Microsoft Entra ID access tokens for Azure OpenAI (client-credentials flow), by
 * @azure/msal-node. The authority's metadata is given to MSAL rather than discovered, so the only
 * call it makes is the token request itself, which goes through this module's network client to
 * the configured authority host: nothing else is ever asked of the network (no instance
 * discovery, no OpenID metadata), and an `http://` loopback authority host can stand in for Entra
 * in tests (MSAL itself accepts only https authorities, so its authority keeps the https scheme).
 */
import type {
  ConfidentialClientApplication,
  INetworkModule,
  NetworkRequestOptions,
  NetworkResponse,
} from '@azure/msal-node';
import { SwitchyardError } from '@switchyard/core';
import type { AccessToken } from '@switchyard/wire-tokens';
import { DEFAULT_AUTHORITY_HOST } from './instance-fields.js';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
const TOKEN_TIMEOUT_MS = 30_000;

export interface EntraCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** @default https://login.microsoftonline.com */
  authorityHost?: string;
}

/** Sends MSAL's token POSTs to the configured authority host, following no redirect; refuses anything else. */
function networkClient(authorityHost: URL): INetworkModule {
  return {
    async sendGetRequestAsync<T>(url: string): Promise<NetworkResponse<T>> {
      throw new Error(`unexpected GET ${new URL(url).pathname}: authority metadata is configured, not discovered`);
    },
    async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
      const target = new URL(url);
      target.protocol = authorityHost.protocol;
      target.host = authorityHost.host;
      const res = await fetch(target, {
        method: 'POST',
        headers: options?.headers ?? {},
        body: options?.body ?? '',
        // A redirect would take the client secret in the body to whatever host it names.
        redirect: 'error',
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name] = value));
      return { headers, body: (await res.json()) as T, status: res.status };
    },
  };
}

/**
 * A function fetching a fresh token for the instance's app registration (MSAL's cache bypassed:
 * the TokenCache decides). MSAL is loaded at the first token request: a gateway without Entra
 * instances never loads it.
 */
export function entraTokenSource(c: EntraCredentials): () => Promise<AccessToken> {
  let app: Promise<ConfidentialClientApplication> | undefined;
  return async () => {
    app ??= import('@azure/msal-node').then((msal) => entraApp(msal.ConfidentialClientApplication, c));
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      // skipCache: the TokenCache decides when to fetch. DisableMsalForceRegion: an MSAL_FORCE_REGION
      // in the environment must not send MSAL to regional endpoints or region discovery.
      result = await (
        await app
      ).acquireTokenByClientCredential({
        scopes: [COGNITIVE_SERVICES_SCOPE],
        skipCache: true,
        azureRegion: 'DisableMsalForceRegion',
      });
    } catch (err) {
      const e = err as { errorMessage?: string; message?: string };
      throw new SwitchyardError(
        'SWITCHYARD_ERR_UPSTREAM_FAILED',
        `Entra ID token request failed: ${(e.errorMessage || e.message || 'unknown error').split('\n')[0]}`,
        { expose: true, cause: err },
      );
    }
    if (!result?.accessToken)
      throw new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'Entra ID returned no access token', {
        expose: true,
      });
    return {
      token: result.accessToken,
      expiresInMs: (result.expiresOn?.getTime() ?? Date.now() + 3_000_000) - Date.now(),
    };
  };
}

function entraApp(App: typeof ConfidentialClientApplication, c: EntraCredentials): ConfidentialClientApplication {
  const host = new URL(c.authorityHost ?? DEFAULT_AUTHORITY_HOST);
  const authority = `https://${host.host}/${c.tenantId}`;
  return new App({
    auth: {
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      authority,
      knownAuthorities: [host.host],
      authorityMetadata: JSON.stringify({
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
      }),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host.host, preferred_cache: host.host, aliases: [host.host] }],
      }),
    },
    system: { networkClient: networkClient(host) },
  });
}
