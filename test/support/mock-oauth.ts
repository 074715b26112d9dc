/**
 * A mock OAuth token endpoint for the cloud providers' credentials, on 127.0.0.1.
 *
 * - Google (`POST /token`): the JWT-bearer grant of a service account. The assertion's RS256
 *   signature is verified with the account's public key, and its `iss`, `aud`
 *   (https://oauth2.googleapis.com/token, as Google requires), `scope` and `exp` are checked;
 *   errors are Google's `{"error","error_description"}` bodies.
 * - Microsoft Entra ID (`POST /{tenant}/oauth2/v2.0/token`): the client-credentials grant, with
 *   the client secret and scope checked; errors are Entra's AADSTS bodies.
 *
 * Tokens are opaque, numbered, and expire `expiresIn` seconds after issue (real time). The
 * provider mocks ask `check(token)` whether a bearer token is valid. Every request is recorded,
 * including any that is not a token request (discovery, metadata), so tests can assert none was made.
 */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MockUpstream, readBody } from './mock-server.js';

export const GOOGLE_AUDIENCE = 'https://oauth2.googleapis.com/token';
export const AZURE_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface TokenRequest {
  method: string;
  path: string;
  form: Record<string, string>;
}

export interface IssuedToken {
  token: string;
  kind: 'google' | 'entra';
  /** Who it was issued to (service-account email or client id). */
  subject: string;
  expiresAt: number;
}

export interface MockOAuth {
  readonly origin: string;
  readonly requests: TokenRequest[];
  readonly issued: IssuedToken[];
  /** Whether a bearer token was issued here and has not expired. */
  check(token: string | undefined): 'ok' | 'missing' | 'unknown' | 'expired';
  /** Token lifetime of the next tokens, in seconds. */
  expiresIn: number;
  /** Fails the next token requests with this status (500: a down endpoint). */
  failNext(status: number): void;
  reset(): void;
  close(): Promise<void>;
}

export interface ServiceAccount {
  email: string;
  publicKey: KeyObject;
}

export interface EntraClient {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface MockOAuthOptions {
  serviceAccounts?: ServiceAccount[];
  entraClients?: EntraClient[];
  /** @default 3599 */
  expiresIn?: number;
}

/** A fresh service-account JSON key whose token_uri is the mock's, and the account for the mock. */
export function serviceAccountKey(
  oauth: MockOAuth,
  email = 'switchyard-test@demo-project.iam.gserviceaccount.com',
): { key: Record<string, string>; account: ServiceAccount } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    type: 'service_account',
    project_id: 'demo-project',
    private_key_id: 'key-0001',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '100000000000000000001',
    token_uri: `${oauth.origin}/token`,
  };
  return { key, account: { email, publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })) } };
}

export async function startMockOAuth(
  options: MockOAuthOptions = {},
): Promise<MockOAuth & { addServiceAccount(account: ServiceAccount): void }> {
  const mock = new MockOAuthServer(options);
  await mock.listen();
  return mock;
}

/** Its faults are the statuses of failing token requests. */
class MockOAuthServer extends MockUpstream<TokenRequest, number> implements MockOAuth {
  readonly issued: IssuedToken[] = [];
  expiresIn: number;
  readonly #accounts: ServiceAccount[];
  readonly #clients: EntraClient[];

  constructor(options: MockOAuthOptions) {
    super();
    this.#accounts = [...(options.serviceAccounts ?? [])];
    this.#clients = options.entraClients ?? [];
    this.expiresIn = options.expiresIn ?? 3599;
  }

  addServiceAccount(account: ServiceAccount): void {
    this.#accounts.push(account);
  }

  check(token: string | undefined): 'ok' | 'missing' | 'unknown' | 'expired' {
    if (!token) return 'missing';
    const found = this.issued.find((t) => t.token === token);
    if (!found) return 'unknown';
    return Date.now() < found.expiresAt ? 'ok' : 'expired';
  }

  failNext(status: number): void {
    this.queueFault(status);
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
    this.requests.push({ method: req.method ?? 'GET', path, form });
    const failure = this.nextFault();
    if (failure !== undefined)
      return send(res, failure, { error: 'temporarily_unavailable', error_description: 'mock token endpoint failure' });
    const pathname = path.split('?')[0]!;
    if (req.method === 'POST' && pathname === '/token') return this.#google(form, res);
    const entra = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
    if (req.method === 'POST' && entra) return this.#entra(entra[1]!, form, res);
    send(res, 404, { error: 'not_found', error_description: `${req.method} ${pathname} is not a token endpoint` });
  }

  #google(form: Record<string, string>, res: ServerResponse): void {
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return send(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Invalid grant_type: ' + (form.grant_type ?? ''),
      });
    const parts = (form.assertion ?? '').split('.');
    if (parts.length !== 3)
      return send(res, 400, {
        error: 'invalid_grant',
        error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.',
      });
    const [head, payload, signature] = parts as [string, string, string];
    let claims: Record<string, unknown>;
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
    }
    const account = this.#accounts.find((a) => a.email === claims.iss);
    if (!account)
      return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid grant: account not found' });
    const good =
      header.alg === 'RS256' &&
      verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), account.publicKey, Buffer.from(signature, 'base64url'));
    if (!good) return send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const now = Math.floor(Date.now() / 1000);
    if (claims.aud !== GOOGLE_AUDIENCE)
      return send(res, 400, {
        error: 'invalid_grant',
        error_description: 'Invalid JWT: audience must be https://oauth2.googleapis.com/token',
      });
    if (typeof claims.exp !== 'number' || claims.exp < now || (claims.iat as number) > now + 300) {
      return send(res, 400, {
        error: 'invalid_grant',
        error_description:
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      });
    }
    if (typeof claims.scope !== 'string' || !claims.scope)
      return send(res, 400, {
        error: 'invalid_scope',
        error_description: 'Invalid OAuth scope or ID token audience provided.',
      });
    send(res, 200, {
      access_token: this.#issue('google', account.email, 'ya29.mock'),
      expires_in: this.expiresIn,
      token_type: 'Bearer',
    });
  }

  #entra(tenant: string, form: Record<string, string>, res: ServerResponse): void {
    const clients = this.#clients.filter((c) => c.tenantId === tenant);
    if (!clients.length)
      return send(res, 400, {
        error: 'invalid_request',
        error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
        error_codes: [90002],
      });
    if (form.grant_type !== 'client_credentials')
      return send(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'AADSTS70003: The app requested an unsupported grant type.',
      });
    const client = clients.find((c) => c.clientId === form.client_id);
    if (!client)
      return send(res, 400, {
        error: 'unauthorized_client',
        error_description: `AADSTS700016: Application with identifier '${form.client_id}' was not found in the directory.`,
        error_codes: [700016],
      });
    if (form.client_secret !== client.clientSecret) {
      return send(res, 401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
        error_codes: [7000215],
      });
    }
    if (form.scope !== AZURE_SCOPE)
      return send(res, 400, {
        error: 'invalid_scope',
        error_description: `AADSTS70011: The provided value for the input parameter 'scope' is not valid.`,
        error_codes: [70011],
      });
    send(res, 200, {
      token_type: 'Bearer',
      expires_in: this.expiresIn,
      ext_expires_in: this.expiresIn,
      access_token: this.#issue('entra', client.clientId, 'eyJ0eXAi.mock-entra'),
    });
  }

  #issue(kind: IssuedToken['kind'], subject: string, prefix: string): string {
    const token = `${prefix}-${this.issued.length + 1}-${Math.random().toString(36).slice(2, 10)}`;
    this.issued.push({ token, kind, subject, expiresAt: Date.now() + this.expiresIn * 1000 });
    return token;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}
