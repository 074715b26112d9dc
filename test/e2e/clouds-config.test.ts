import { describe, expect, it } from 'vitest';
import { runConfig } from '../support/cli.js';

/** `switchyard config validate` and `show` with the cloud providers of the standard preset. */

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
    accessKeyId: TESTEXAMPLE000000001
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
    const run = await runConfig('validate', 'clouds.yaml', VALID);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (4 providers, 1 aliases, preset standard)');
  });

  it('masks their secrets', async () => {
    const run = await runConfig('show', 'clouds.yaml', VALID);
    expect(run.code).toBe(0);
    for (const secret of [
      'azure-key-0123456789abcdef',
      'entra-secret-0123456789abcdef',
      'aws-secret-0123456789abcdef',
      'aws-session-token-0123456789',
      'BEGIN PRIVATE KEY',
    ])
      expect(run.stdout).not.toContain(secret);
    expect(run.stdout).toContain('clientSecret: "****SECR"');
    expect(run.stdout).toContain('secretAccessKey: "****AWSS"');
  });

  it('lists wrong fields of each type', async () => {
    const run = await runConfig(
      'validate',
      'bad.yaml',
      `providers:
  - { name: a, type: azure-openai, baseUrl: https://x.openai.azure.com, apiKey: k, deployment: { gpt-4o: d } }
  - { name: b, type: bedrock, baseUrl: https://bedrock-runtime.us-east-1.amazonaws.com, region: 7 }
  - { name: v, type: vertex, baseUrl: https://aiplatform.googleapis.com, project: p, location: global, jsonSchema: sometimes }
`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('providers[0]');
    expect(run.stderr).toContain('deployment');
    expect(run.stderr).toContain('providers[1].region: must be string');
    expect(run.stderr).toContain('providers[2].jsonSchema');
  });

  it('lists missing fields and credentials without their pair with every other problem, in one round', async () => {
    const run = await runConfig(
      'validate',
      'pairs.yaml',
      `providers:
  - { name: a, type: azure-openai, baseUrl: https://x.openai.azure.com, tenantId: t, deployments: { gpt-4o: d } }
  - { name: b, type: bedrock, baseUrl: https://bedrock-runtime.us-east-1.amazonaws.com, accessKeyId: TESTEXAMPLE, sessionToken: tok }
  - { name: v, type: vertex, baseUrl: https://aiplatform.googleapis.com, location: global }
  - { name: o, type: openai, baseUrl: https://api.openai.com/v1, organisation: typo }
`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'providers[0]: must have properties clientId, clientSecret when property tenantId is present',
    );
    expect(run.stderr).toContain(
      'providers[1]: must have property secretAccessKey when property accessKeyId is present',
    );
    expect(run.stderr).toContain('providers[2].project: is required');
    expect(run.stderr).toContain('providers[3].organisation: is not a known field');
  });

  it('refuses, once the static checks pass, what only the plugin can judge: all its instances at once', async () => {
    const azure = await runConfig(
      'validate',
      'azure.yaml',
      `providers:
  - { name: a, type: azure-openai, baseUrl: https://x.openai.azure.com, deployments: { gpt-4o: d } }
  - { name: ok, type: azure-openai, baseUrl: https://x.openai.azure.com, apiKey: k }
  - { name: a2, type: azure-openai, baseUrl: https://x.openai.azure.com, apiKey: k, authorityHost: "http://login.example.com" }
`,
    );
    expect(azure.code).toBe(1);
    expect(azure.stderr).toContain(
      'providers[0]: an azure-openai instance needs apiKey, or tenantId, clientId and clientSecret',
    );
    expect(azure.stderr).toContain('providers[2].authorityHost: must be https');
    expect(azure.stderr).not.toContain('providers[1]');
    const vertex = await runConfig(
      'validate',
      'vertex.yaml',
      'providers:\n  - { name: v, type: vertex, baseUrl: https://aiplatform.googleapis.com, project: p, location: global, keyFile: /k.json, credentials: { type: service_account } }\n',
    );
    expect(vertex.code).toBe(1);
    expect(vertex.stderr).toContain('providers[0]: credentials or keyFile, not both');
  });

  it('refuses an instance its plugin cannot use', async () => {
    const run = await runConfig(
      'validate',
      'region.yaml',
      'providers:\n  - { name: b, type: bedrock, baseUrl: "http://127.0.0.1:9", accessKeyId: a, secretAccessKey: s }\n  - { name: key, type: bedrock, baseUrl: "http://127.0.0.1:9", apiKey: bedrock-api-key }\n',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'providers[0].region: required unless baseUrl is https://bedrock-runtime.<region>.amazonaws.com',
    );
    // A Bedrock API key is a bearer token: nothing to sign, no region needed.
    expect(run.stderr).not.toContain('providers[1]');
  });
});
