/**
 * AWS Signature Version 4, verified the way AWS does it, written from the specification with
 * node:crypto only (independent of the @smithy signer the gateway uses), for the Bedrock mock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it as x-amz-security-token (temporary credentials). */
  sessionToken?: string;
}

export type SigV4Problem =
  | { kind: 'missing'; message: string }
  | { kind: 'unknown-key'; message: string }
  | { kind: 'bad-signature'; message: string }
  | { kind: 'expired'; message: string };

const MAX_SKEW_MS = 5 * 60_000;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding of one path segment or query component, as SigV4 wants it. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Checks `Authorization: AWS4-HMAC-SHA256 …` against the known keys; undefined when it is right. */
export function verifySigV4(
  req: IncomingMessage,
  rawBody: string,
  keys: readonly AwsKey[],
  region: string,
  service: string,
  now = Date.now(),
): SigV4Problem | undefined {
  const auth = req.headers.authorization;
  if (!auth) return { kind: 'missing', message: 'Missing Authentication Token' };
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!match)
    return {
      kind: 'bad-signature',
      message: "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    };
  const [, keyId, day, scopeRegion, scopeService, signedList, signature] = match as unknown as string[];
  const key = keys.find((k) => k.accessKeyId === keyId);
  if (!key) return { kind: 'unknown-key', message: 'The security token included in the request is invalid.' };
  if (key.sessionToken !== undefined && req.headers['x-amz-security-token'] !== key.sessionToken) {
    return { kind: 'unknown-key', message: 'The security token included in the request is invalid.' };
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!stamp || !amzDate.startsWith(day!))
    return {
      kind: 'bad-signature',
      message: 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP',
    };
  const at = Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!);
  if (Math.abs(now - at) > MAX_SKEW_MS)
    return { kind: 'expired', message: `Signature expired: ${amzDate} is now earlier than the allowed window.` };
  if (scopeRegion !== region || scopeService !== service) {
    return { kind: 'bad-signature', message: `Credential should be scoped to a valid region, not '${scopeRegion}'. ` };
  }
  const signed = signedList!.split(';');
  if (!signed.includes('host')) return { kind: 'bad-signature', message: "'Host' must be a signed header." };
  const url = new URL(req.url ?? '/', 'http://mock');
  // The path as received, each segment encoded again (non-S3 services double-encode).
  const rawPath = (req.url ?? '/').split('?')[0]!;
  const canonicalUri = rawPath.split('/').map(encode).join('/');
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x! < y! ? -1 : 1) : a! < b! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = signed
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const payloadHash = sha256(rawBody);
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== payloadHash)
    return {
      kind: 'bad-signature',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  const canonical = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedList, payloadHash].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day!), region), service), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature!, 'hex'))) {
    return {
      kind: 'bad-signature',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return undefined;
}
