/**
 * AWS Signature Version 4 for Bedrock calls (@smithy/signature-v4), and where the credentials
 * come from: the instance's own keys, else its `profile`, else the standard environment
 * variables, else the shared config files (AWS_PROFILE or `default`). Never the instance
 * metadata or container credential endpoints: a gateway must not reach for them by surprise, so
 * a profile whose `credential_source` names them is refused.
 */
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { SwitchyardError } from '@switchyard/core';
import type { UpstreamRequest } from '@switchyard/core';
import { credentialsFromEnv, credentialsFromIni, sha256, sharedConfig, signatureV4 } from './aws-libraries.js';

export interface CredentialOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
}

type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/** The credential chain of one instance. */
export function credentialChain(o: CredentialOptions): CredentialProvider {
  if (o.accessKeyId && o.secretAccessKey) {
    const identity: AwsCredentialIdentity = {
      accessKeyId: o.accessKeyId,
      secretAccessKey: o.secretAccessKey,
      ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
    };
    return async () => identity;
  }
  const { fromIni } = credentialsFromIni();
  const { fromEnv } = credentialsFromEnv();
  const sources: Array<[string, CredentialProvider]> = o.profile
    ? [[`profile ${o.profile}`, withoutMetadataSources(o.profile, fromIni({ profile: o.profile }))]]
    : [
        ['environment', fromEnv()],
        ['shared config files', withoutMetadataSources(undefined, fromIni())],
      ];
  return async () => {
    const tried: string[] = [];
    for (const [name, source] of sources) {
      try {
        return await source();
      } catch (err) {
        tried.push(`${name}: ${(err as Error).message}`);
      }
    }
    throw new SwitchyardError(
      'SWITCHYARD_ERR_UPSTREAM_FAILED',
      `no AWS credentials for Bedrock (${tried.join('; ')})`,
      { expose: true },
    );
  };
}

/** `credential_source` values that make a profile call the instance or container metadata endpoints. */
const METADATA_SOURCES = new Set(['Ec2InstanceMetadata', 'EcsContainer']);
/** Longest source_profile chain followed. */
const MAX_CHAIN = 8;

/**
 * `provider`, refused before it runs when the profile (or a profile it assumes a role from)
 * would take its credentials from the EC2 instance metadata or ECS container endpoints.
 */
function withoutMetadataSources(profile: string | undefined, provider: CredentialProvider): CredentialProvider {
  return async () => {
    const { getProfileName, parseKnownFiles } = sharedConfig();
    const profiles = await parseKnownFiles({});
    let name: string | undefined = getProfileName({ ...(profile ? { profile } : {}) });
    for (let hop = 0; name !== undefined && hop < MAX_CHAIN; hop++) {
      const entry: Record<string, string | undefined> = profiles[name] ?? {};
      const source = entry.credential_source;
      if (source && METADATA_SOURCES.has(source)) {
        throw new Error(`profile ${name} takes credentials from ${source}, which Switchyard does not call`);
      }
      name = entry.source_profile;
    }
    return provider();
  };
}

/** A SigV4 signer for one instance's region and credentials (service `bedrock`). */
export function signerFor(region: string, credentials: CredentialProvider): SignatureV4 {
  return new (signatureV4().SignatureV4)({ service: 'bedrock', region, credentials, sha256: sha256().Sha256 });
}

/**
 * Signs the request as it will be sent: the body serialized once here (the signature covers its
 * hash), `host` signed as undici will send it. `signingDate` is for tests.
 */
export async function signRequest(req: UpstreamRequest, signer: SignatureV4, signingDate?: Date): Promise<void> {
  const url = new URL(req.url);
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => (query[key] = value));
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...req.headers, host: url.host },
      body,
    },
    signingDate ? { signingDate } : {},
  );
  const { host: _host, ...headers } = signed.headers;
  req.headers = headers;
  req.body = body;
}

const RUNTIME_HOST = /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The configured region, else the one in a `bedrock-runtime.<region>.amazonaws.com` base URL. */
export function regionOf(baseUrl: string, configured: string | undefined): string | undefined {
  if (configured) return configured;
  try {
    return RUNTIME_HOST.exec(new URL(baseUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
