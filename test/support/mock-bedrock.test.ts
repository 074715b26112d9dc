import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { encodeMessage, startMockBedrock } from './mock-bedrock.js';
import type { MockBedrock } from './mock-bedrock.js';
import { verifySigV4 } from './sigv4.js';
import { AWS_KEY } from './clouds.js';

const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
let br: MockBedrock;

beforeAll(async () => {
  br = await startMockBedrock({ keys: [AWS_KEY], name: 'br', models: [CLAUDE, NOVA, SONNET_45], deniedModels: [] });
});
afterEach(() => br.reset());
afterAll(() => br.close());

async function call(
  model: string,
  operation: string,
  body: unknown,
  key = AWS_KEY,
  region = 'us-east-1',
): Promise<Response> {
  const url = new URL(`${br.origin}/model/${encodeURIComponent(model)}/${operation}`);
  const payload = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'bedrock', region, credentials: key, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body: payload,
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, { method: 'POST', headers, body: payload });
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
async function messages(res: Response): Promise<Array<{ headers: Record<string, string>; body: any }>> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const out: Array<{ headers: Record<string, string>; body: any }> = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const message = codec.decode(bytes.subarray(at, at + length));
    out.push({
      headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v.value)])),
      body: JSON.parse(toUtf8(message.body)),
    });
    at += length;
  }
  return out;
}

describe('mock Bedrock: SigV4', () => {
  it("verifies the AWS SigV4 test suite's get-vanilla request", () => {
    const req = {
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
    } as never;
    const key = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const at = Date.UTC(2015, 7, 30, 12, 36);
    expect(verifySigV4(req, '', [key], 'us-east-1', 'service', at)).toBeUndefined();
    expect(verifySigV4(req, '', [{ ...key, secretAccessKey: 'wrong' }], 'us-east-1', 'service', at)).toMatchObject({
      kind: 'bad-signature',
    });
  });

  it("refuses a missing, unknown or wrong signature with AWS's 403 bodies and error types", async () => {
    const unsigned = await fetch(`${br.origin}/model/${encodeURIComponent(NOVA)}/converse`, {
      method: 'POST',
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    const unknown = await call(
      NOVA,
      'converse',
      { messages: [] },
      { accessKeyId: 'TESTUNKNOWN000000001', secretAccessKey: 'x' },
    );
    expect(unknown.headers.get('x-amzn-errortype')).toMatch(/^UnrecognizedClientException:/);
    const wrong = await call(NOVA, 'converse', { messages: [] }, { ...AWS_KEY, secretAccessKey: 'not-the-secret' });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).message).toMatch(/^The request signature we calculated does not match/);
    const region = await call(NOVA, 'converse', { messages: [] }, AWS_KEY, 'eu-west-1');
    expect(region.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException:/);
  });
});

describe('mock Bedrock: Converse', () => {
  it('answers a valid request and refuses unknown fields, alternation and blank text with ValidationException', async () => {
    const ok = await call(NOVA, 'converse', { messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      output: { message: { role: 'assistant', content: [{ text: 'br: hi' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: expect.any(Number) },
    });
    const problems: Array<[unknown, string]> = [
      [
        { messages: [{ role: 'user', content: [{ text: 'hi' }] }], temperature: 1 },
        'extraneous key [temperature] is not permitted',
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'a' }] },
            { role: 'user', content: [{ text: 'b' }] },
          ],
        },
        'A conversation must alternate between user and assistant roles',
      ],
      [
        { messages: [{ role: 'user', content: [{ text: ' ' }] }] },
        'The text field in the ContentBlock object is blank',
      ],
      [
        { messages: [{ role: 'assistant', content: [{ text: 'a' }] }] },
        'A conversation must start with a user message',
      ],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'a' }] },
            { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'f', input: {} } }] },
            { role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'r' }] } }] },
          ],
        },
        'The toolConfig field must be defined',
      ],
    ];
    const both = {
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      inferenceConfig: { temperature: 0.5, topP: 0.9 },
    };
    const sonnet45 = await call(SONNET_45, 'converse', both);
    expect(sonnet45.status).toBe(400);
    expect((await sonnet45.json()).message).toContain(
      '`temperature` and `top_p` cannot both be specified for this model',
    );
    expect((await call(NOVA, 'converse', both)).status).toBe(200);
    for (const [body, message] of problems) {
      const res = await call(NOVA, 'converse', body);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
      expect((await res.json()).message).toContain(message);
    }
  });

  it('streams binary event-stream messages with real headers, and injects exceptions', async () => {
    const res = await call(NOVA, 'converse-stream', { messages: [{ role: 'user', content: [{ text: 'hello' }] }] });
    expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    const all = await messages(res);
    expect(all.map((m) => m.headers[':event-type'])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(all.every((m) => m.headers[':message-type'] === 'event' && typeof m.body.p === 'string')).toBe(true);
    expect(
      all
        .filter((m) => m.body.delta)
        .map((m) => m.body.delta.text)
        .join(''),
    ).toBe('br: hello');
    br.queueFault({ kind: 'exception', afterEvents: 1, type: 'throttlingException', message: 'slow down' });
    const throttled = await messages(
      await call(NOVA, 'converse-stream', { messages: [{ role: 'user', content: [{ text: 'hello' }] }] }),
    );
    expect(throttled.at(-1)).toEqual({
      headers: {
        ':exception-type': 'throttlingException',
        ':content-type': 'application/json',
        ':message-type': 'exception',
      },
      body: { message: 'slow down' },
    });
  });

  it('encodes messages the @smithy codec reads back (prelude and message CRCs)', () => {
    const decoded = codec.decode(
      encodeMessage({ ':event-type': 'messageStart', ':message-type': 'event' }, '{"role":"assistant"}'),
    );
    expect(toUtf8(decoded.body)).toBe('{"role":"assistant"}');
    expect(decoded.headers[':event-type']!.value).toBe('messageStart');
  });
});

describe('mock Bedrock: InvokeModel for Claude', () => {
  it('wants anthropic_version bedrock-2023-05-31 and no model, and streams chunk events of Anthropic events', async () => {
    const bad = await call(CLAUDE, 'invoke', {
      model: CLAUDE,
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toBe(
      'Malformed input request: #: extraneous key [model] is not permitted, please reformat your input and try again.',
    );
    const ok = await call(CLAUDE, 'invoke', {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(await ok.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'br: hi' }] });
    const stream = await messages(
      await call(CLAUDE, 'invoke-with-response-stream', {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    const events = stream.map((m) => JSON.parse(Buffer.from(m.body.bytes, 'base64').toString()));
    expect(events[0].type).toBe('message_start');
    expect(events.at(-1)).toMatchObject({
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': { inputTokenCount: expect.any(Number) },
    });
  });

  it('answers injected statuses with the AWS error type header', async () => {
    br.queueFault({
      kind: 'status',
      status: 429,
      type: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    });
    const res = await call(CLAUDE, 'invoke', {});
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
  });
});
