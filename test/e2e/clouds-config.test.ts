import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** `switchyard config validate` and `show` with the cloud providers of the standard preset. */
async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'switchyard-clouds-')), name);
  await writeFile(path, text);
  return path;
}

const VALID = `
providers:
  - name: azure-eu
    type: azure-openai
    baseUrl: https://contoso-eu.openai.azure.com
    apiKey: azure-key-0123456789abcdefWXYZ
    apiVersion: 2024-10-21
    deployments: { gpt-4o: gpt4o-prod, gpt-4o-mini: mini-eu }
  - name: azure-entra
    type: azure-openai
    baseUrl: https://contoso-us.openai.azure.com
    tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
    clientId: 11111111-2222-3333-4444-555555555555
    clientSecret: entra-secret-0123456789abcdefSECR
    deployments: { gpt-4.1: gpt41 }
  - name: bedrock-us
    type: bedrock
    baseUrl: https://bedrock-runtime.us-east-1.amazonaws.com
    accessKeyId: AKIAEXAMPLE000000001
    secretAccessKey: aws-secret-0123456789abcdefAWSS
    sessionToken: aws-session-token-0123456789TOKN
    models: [anthropic.claude-3-5-haiku-20241022-v1:0, amazon.nova-pro-v1:0]
  - name: vertex-us
    type: vertex
    baseUrl: https://us-east5-aiplatform.googleapis.com
    project: my-project
    location: us-east5
    credentials: { type: service_account, client_email: sa@my-project.iam.gserviceaccount.com, private_key: "-----BEGIN PRIVATE KEY-----0123456789PKEY", token_uri: https://oauth2.googleapis.com/token }
    models: [gemini-2.5-pro, claude-sonnet-4-5@20250929]
models:
  - name: smart
    targets: [bedrock-us/anthropic.claude-3-5-haiku-20241022-v1:0, vertex-us/claude-sonnet-4-5@20250929, azure-eu/gpt-4o]
`;

describe('config validate and show with Azure OpenAI, Bedrock and Vertex AI', () => {
  it('accepts the three types with their fields', async () => {
    const run = await runCli(['config', 'validate', await writeTemp('clouds.yaml', VALID)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (4 providers, 1 aliases, preset standard)');
  });

  it('masks their secrets', async () => {
    const run = await runCli(['config', 'show', await writeTemp('clouds.yaml', VALID)]);
    expect(run.code).toBe(0);
    for (const secret of ['azure-key-0123456789abcdef', 'entra-secret-0123456789abcdef', 'aws-secret-0123456789abcdef', 'aws-session-token-0123456789', 'BEGIN PRIVATE KEY']) expect(run.stdout).not.toContain(secret);
    expect(run.stdout).toContain('clientSecret: "****SECR"');
    expect(run.stdout).toContain('secretAccessKey: "****AWSS"');
  });

  it('lists wrong fields of each type', async () => {
    const file = await writeTemp(
      'bad.yaml',
      `providers:
  - { name: a, type: azure-openai, baseUrl: https://x.openai.azure.com, apiKey: k, deployment: { gpt-4o: d } }
  - { name: b, type: bedrock, baseUrl: https://bedrock-runtime.us-east-1.amazonaws.com, region: 7 }
  - { name: v, type: vertex, baseUrl: https://aiplatform.googleapis.com, project: p, location: global, jsonSchema: sometimes }
`,
    );
    const run = await runCli(['config', 'validate', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('providers[0]');
    expect(run.stderr).toContain('deployment');
    expect(run.stderr).toContain('providers[1].region: must be string');
    expect(run.stderr).toContain('providers[2].jsonSchema');
  });

  it('refuses an instance its plugin cannot use', async () => {
    const run = await runCli(['config', 'validate', await writeTemp('region.yaml', 'providers:\n  - { name: b, type: bedrock, baseUrl: "http://127.0.0.1:9", accessKeyId: a, secretAccessKey: s }\n')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('providers[0].region: required unless baseUrl is https://bedrock-runtime.<region>.amazonaws.com');
  });
});
