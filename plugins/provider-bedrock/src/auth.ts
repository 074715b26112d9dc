import type { SignatureV4 } from '@smithy/signature-v4';
import type { ProviderInstance, UpstreamRequest } from '@switchyard/core';
import { optionsOf } from './instance-fields.js';
import { credentialChain, regionOf, signerFor, signRequest } from './signing.js';

/**
 * Authorizes one request as sent to its instance: a Bedrock API key (`apiKey`) as a bearer token,
 * else a SigV4 signature over the final body, by the instance's signer (its region and credential
 * chain, made at its first request).
 */
export function bedrockAuth(): (req: UpstreamRequest, instance: ProviderInstance) => Promise<void> {
  const signers = new WeakMap<ProviderInstance, SignatureV4>();
  const signerOf = (instance: ProviderInstance): SignatureV4 => {
    let signer = signers.get(instance);
    if (!signer) {
      const options = optionsOf(instance);
      // The plugin refused, at start, a signed instance without a region.
      signer = signerFor(regionOf(instance.baseUrl, options.region)!, credentialChain(options));
      signers.set(instance, signer);
    }
    return signer;
  };
  return async (req, instance) => {
    if (instance.apiKey) req.headers.authorization = `Bearer ${instance.apiKey}`;
    else await signRequest(req, signerOf(instance));
  };
}
