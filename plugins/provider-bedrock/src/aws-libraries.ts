import { createRequire } from 'node:module';
import type * as EventStreams from '@smithy/core/event-streams';
import type * as EventStreamCodec from '@smithy/eventstream-codec';
import type * as Utf8 from '@smithy/util-utf8';
import type * as Sha256 from '@aws-crypto/sha256-js';
import type * as CredentialsFromEnv from '@aws-sdk/credential-provider-env';
import type * as CredentialsFromIni from '@aws-sdk/credential-provider-ini';
import type * as SharedConfig from '@smithy/core/config';
import type * as SignatureV4 from '@smithy/signature-v4';

const load = createRequire(import.meta.url);

/** A library loaded at its first use: a gateway without Bedrock instances never loads the AWS ones. */
function lazy<T>(id: string): () => T {
  let library: T | undefined;
  return () => (library ??= load(id) as T);
}

export const eventStreams = lazy<typeof EventStreams>('@smithy/core/event-streams');
export const eventStreamCodec = lazy<typeof EventStreamCodec>('@smithy/eventstream-codec');
export const utf8 = lazy<typeof Utf8>('@smithy/util-utf8');
export const sha256 = lazy<typeof Sha256>('@aws-crypto/sha256-js');
export const credentialsFromEnv = lazy<typeof CredentialsFromEnv>('@aws-sdk/credential-provider-env');
export const credentialsFromIni = lazy<typeof CredentialsFromIni>('@aws-sdk/credential-provider-ini');
export const sharedConfig = lazy<typeof SharedConfig>('@smithy/core/config');
export const signatureV4 = lazy<typeof SignatureV4>('@smithy/signature-v4');
