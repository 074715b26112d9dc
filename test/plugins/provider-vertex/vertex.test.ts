import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderInstance } from '@switchyard/core';
import {
  classifyVertexError,
  clientFor,
  fetchToken,
  GOOGLE_TOKEN_URL,
  loadKey,
  modelUrl,
  protocolFor,
} from '@switchyard/provider-vertex';
import { serviceAccountKey, startMockOAuth } from '../../support/mock-oauth.js';
import { providerInstance } from '../../support/provider-instance.js';

const instance = (options: Record<string, unknown>): ProviderInstance =>
  providerInstance({
    name: 'vx',
    type: 'vertex',
    baseUrl: 'https://us-east5-aiplatform.googleapis.com',
    discoverIntervalMs: 1,
    discoverTimeoutMs: 1,
    options,
  });
const dir = mkdtempSync(join(tmpdir(), 'switchyard-gcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Vertex AI URLs and protocols', () => {
  it('puts Gemini under publishers/google and Claude under publishers/anthropic, the model percent-encoded', () => {
    const vx = instance({ project: 'my-project', location: 'us-east5' });
    expect(modelUrl(vx, 'gemini-2.5-pro', 'generateContent')).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/publishers/google/models/gemini-2.5-pro:generateContent',
    );
    expect(modelUrl(vx, 'claude-opus-4-1@20250805', 'streamRawPredict')).toBe(
      'https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-opus-4-1%4020250805:streamRawPredict',
    );
    expect(
      modelUrl(
        instance({ project: 'p', location: 'global', apiVersion: 'v1beta1' }),
        'gemini-2.5-flash',
        'generateContent',
      ),
    ).toContain('/v1beta1/projects/p/locations/global/');
    const target = (model: string) => ({ id: `vx/${model}`, model, rule: 'listed', instance: vx });
    expect([protocolFor(target('claude-sonnet-4-5@20250929')), protocolFor(target('gemini-2.5-flash'))]).toEqual([
      'anthropic',
      'gemini',
    ]);
  });

  it("classifies Google and Anthropic error bodies; 401 and 403 are the gateway's failures", () => {
    expect(
      classifyVertexError(429, '{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}')
        .outcome,
    ).toBe('rate_limited');
    expect(
      classifyVertexError(403, '{"error":{"code":403,"message":"Permission denied","status":"PERMISSION_DENIED"}}')
        .outcome,
    ).toBe('failure');
    expect(
      classifyVertexError(400, '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}'),
    ).toMatchObject({ outcome: 'business_error', code: 'INVALID_ARGUMENT' });
    expect(
      classifyVertexError(
        400,
        '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
      ),
    ).toMatchObject({
      outcome: 'business_error',
      type: 'invalid_request_error',
      message: 'max_tokens: Field required',
    });
    expect(
      classifyVertexError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}').outcome,
    ).toBe('failure');
  });
});

describe('Google credentials', () => {
  it('reads the inline key, else keyFile, else GOOGLE_APPLICATION_CREDENTIALS, else the gcloud file', () => {
    const file = join(dir, 'key.json');
    writeFileSync(file, JSON.stringify({ type: 'service_account', client_email: 'a@b' }));
    expect(loadKey({ credentials: { type: 'inline' } }).from).toBe('credentials');
    expect(loadKey({ keyFile: file }).key.client_email).toBe('a@b');
    expect(loadKey({}, { GOOGLE_APPLICATION_CREDENTIALS: file }).from).toBe(file);
    expect(() => loadKey({}, { CLOUDSDK_CONFIG: join(dir, 'none') })).toThrow(
      /Google credentials .*application_default_credentials\.json could not be read/,
    );
  });

  it('never quotes a key file that is not JSON in its error (JSON.parse would show its first characters)', () => {
    const file = join(dir, 'raw-key.pem');
    writeFileSync(file, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC');
    expect(() => loadKey({ keyFile: file })).toThrow(
      expect.objectContaining({ message: `Google credentials ${file} could not be read: not a JSON key` }),
    );
  });

  it("sends the token exchange to the key's token_uri (the library alone would post to oauth2.googleapis.com)", async () => {
    const oauth = await startMockOAuth({ expiresIn: 1800 });
    try {
      const { key, account } = serviceAccountKey(oauth);
      oauth.addServiceAccount(account);
      const client = clientFor(key, 'test', ['https://www.googleapis.com/auth/cloud-platform']);
      const first = await fetchToken(client);
      const second = await fetchToken(client);
      expect(first.token).toBe(oauth.issued[0]!.token);
      expect(second.token).toBe(oauth.issued[1]!.token);
      expect(first.expiresInMs).toBeGreaterThan(1_790_000);
      expect(first.expiresInMs).toBeLessThanOrEqual(1_800_000);
      expect(oauth.requests.map((r) => [r.method, r.path, r.form.grant_type])).toEqual([
        ['POST', '/token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        ['POST', '/token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      ]);
      expect(GOOGLE_TOKEN_URL).toBe('https://oauth2.googleapis.com/token');
    } finally {
      await oauth.close();
    }
  });

  it('refuses keys it cannot use', () => {
    expect(() => clientFor({ type: 'external_account' }, 'f.json', [])).toThrow(
      'Google credentials from f.json: a service_account or authorized_user key is needed (type external_account)',
    );
    expect(() =>
      clientFor(
        {
          type: 'service_account',
          client_email: 'a@b',
          private_key: 'k',
          token_uri: 'http://tokens.example.com/token',
        },
        'f.json',
        [],
      ),
    ).toThrow('token_uri must be https');
  });
});
