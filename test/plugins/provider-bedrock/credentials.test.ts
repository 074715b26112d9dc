import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { credentialChain, signerFor, signRequest } from '@switchyard/provider-bedrock';
import type { UpstreamRequest } from '@switchyard/core';
import { startGateway } from '../../support/gateway.js';
import { startMockBedrock } from '../../support/mock-bedrock.js';
import type { MockBedrock } from '../../support/mock-bedrock.js';
import { verifySigV4 } from '../../support/sigv4.js';

/** Where Bedrock credentials come from: config, the environment, shared profiles — each verified by the mock's signature check. */
const ENV_KEY = {
  accessKeyId: 'TESTENVIRONMENT00001',
  secretAccessKey: 'environment-secret-0123456789abcdefghij',
  sessionToken: 'IQoJb3JpZ2luX2VjEnv-session-token',
};
const PROFILE_KEY = { accessKeyId: 'TESTPROFILE000000001', secretAccessKey: 'profile-secret-0123456789abcdefghijkl' };
const OTHER_KEY = { accessKeyId: 'TESTOTHERPROFILE0001', secretAccessKey: 'other-profile-secret-0123456789abcdef' };
const MODEL = 'amazon.nova-lite-v1:0';
const VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];

let dir: string;
let br: MockBedrock;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  for (const name of VARS) saved[name] = process.env[name];
  dir = mkdtempSync(join(tmpdir(), 'switchyard-aws-'));
  writeFileSync(
    join(dir, 'credentials'),
    `[default]\naws_access_key_id = ${PROFILE_KEY.accessKeyId}\naws_secret_access_key = ${PROFILE_KEY.secretAccessKey}\n\n[other]\naws_access_key_id = ${OTHER_KEY.accessKeyId}\naws_secret_access_key = ${OTHER_KEY.secretAccessKey}\n`,
  );
  writeFileSync(
    join(dir, 'config'),
    '[default]\nregion = us-east-1\n\n[profile on-ec2]\nrole_arn = arn:aws:iam::123456789012:role/gateway\ncredential_source = Ec2InstanceMetadata\n\n[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = on-ec2\n',
  );
  br = await startMockBedrock({
    keys: [ENV_KEY, PROFILE_KEY, OTHER_KEY],
    apiKeys: ['ABSKQmVkcm9ja0FQSUtleS10ZXN0'],
    name: 'br',
    models: [MODEL],
  });
});
afterEach(() => {
  for (const name of VARS) {
    if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = saved[name];
  }
  br.reset();
});
afterAll(async () => {
  await br.close();
  rmSync(dir, { recursive: true, force: true });
});

function useFiles(): void {
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
}

async function askThrough(extra: Record<string, unknown>): Promise<string> {
  const gw = await startGateway({
    providers: [{ name: 'br', type: 'bedrock', baseUrl: br.origin, region: 'us-east-1', models: [MODEL], ...extra }],
  });
  try {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    return res.choices[0]!.message.content ?? '';
  } finally {
    await gw.close();
  }
}

describe('Bedrock credentials', () => {
  it('uses the standard environment variables, session token included', async () => {
    process.env.AWS_ACCESS_KEY_ID = ENV_KEY.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = ENV_KEY.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = ENV_KEY.sessionToken;
    expect(await askThrough({})).toBe('br: hi');
    expect(br.requests[0]!.headers['x-amz-security-token']).toBe(ENV_KEY.sessionToken);
    expect(String(br.requests[0]!.headers.authorization)).toContain(`Credential=${ENV_KEY.accessKeyId}/`);
  });

  it('falls back to the shared credentials file (default profile, or AWS_PROFILE)', async () => {
    useFiles();
    expect(await askThrough({})).toBe('br: hi');
    expect(String(br.requests[0]!.headers.authorization)).toContain(`Credential=${PROFILE_KEY.accessKeyId}/`);
    process.env.AWS_PROFILE = 'other';
    expect(await askThrough({})).toBe('br: hi');
    expect(String(br.requests[1]!.headers.authorization)).toContain(`Credential=${OTHER_KEY.accessKeyId}/`);
  });

  it("uses the instance's profile before the environment, and its own keys before anything", async () => {
    useFiles();
    process.env.AWS_ACCESS_KEY_ID = ENV_KEY.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = ENV_KEY.secretAccessKey;
    expect(await askThrough({ profile: 'other' })).toBe('br: hi');
    expect(String(br.requests[0]!.headers.authorization)).toContain(`Credential=${OTHER_KEY.accessKeyId}/`);
    expect(
      await askThrough({ accessKeyId: PROFILE_KEY.accessKeyId, secretAccessKey: PROFILE_KEY.secretAccessKey }),
    ).toBe('br: hi');
    expect(String(br.requests[1]!.headers.authorization)).toContain(`Credential=${PROFILE_KEY.accessKeyId}/`);
  });

  it('sends a Bedrock API key as a bearer token instead of signing, and fails over from a refused one', async () => {
    expect(await askThrough({ apiKey: 'ABSKQmVkcm9ja0FQSUtleS10ZXN0' })).toBe('br: hi');
    expect(br.requests[0]!.headers.authorization).toBe('Bearer ABSKQmVkcm9ja0FQSUtleS10ZXN0');
    expect(br.requests[0]!.headers['x-amz-date']).toBeUndefined();
    await expect(askThrough({ apiKey: 'ABSK-wrong' })).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('Invalid API Key format'),
    });
  });

  it('refuses a profile that would call the instance metadata endpoint, directly or through source_profile', async () => {
    useFiles();
    await expect(credentialChain({ profile: 'on-ec2' })()).rejects.toThrow(
      'profile on-ec2 takes credentials from Ec2InstanceMetadata, which Switchyard does not call',
    );
    await expect(credentialChain({ profile: 'chained' })()).rejects.toThrow(
      'profile on-ec2 takes credentials from Ec2InstanceMetadata',
    );
    process.env.AWS_PROFILE = 'on-ec2';
    await expect(credentialChain({})()).rejects.toThrow(
      /shared config files: profile on-ec2 takes credentials from Ec2InstanceMetadata/,
    );
  });

  it('says where it looked when no credentials are found', async () => {
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'missing-credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'missing-config');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(credentialChain({})()).rejects.toThrow(
      /no AWS credentials for Bedrock \(environment: .*; shared config files: .*\)/,
    );
  });

  it('signs what the mock verifies, and the mock refuses a changed body or an old date', async () => {
    const signer = signerFor('us-east-1', credentialChain(PROFILE_KEY));
    const req: UpstreamRequest = {
      url: `${br.origin}/model/${encodeURIComponent(MODEL)}/converse`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { messages: [] },
      stream: false,
    };
    const at = new Date('2026-01-02T03:04:05Z');
    await signRequest(req, signer, at);
    const url = new URL(req.url);
    const incoming = () =>
      ({ method: 'POST', url: url.pathname, headers: { ...req.headers, host: url.host } }) as never;
    expect(
      verifySigV4(incoming(), req.body as string, [PROFILE_KEY], 'us-east-1', 'bedrock', at.getTime()),
    ).toBeUndefined();
    expect(
      verifySigV4(incoming(), '{"messages":[1]}', [PROFILE_KEY], 'us-east-1', 'bedrock', at.getTime()),
    ).toMatchObject({ kind: 'bad-signature' });
    expect(
      verifySigV4(incoming(), req.body as string, [PROFILE_KEY], 'us-east-1', 'bedrock', at.getTime() + 20 * 60_000),
    ).toMatchObject({ kind: 'expired' });
    expect(
      verifySigV4(incoming(), req.body as string, [PROFILE_KEY], 'eu-west-1', 'bedrock', at.getTime()),
    ).toMatchObject({ kind: 'bad-signature' });
  });
});
