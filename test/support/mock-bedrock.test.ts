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
        'The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.',
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

type Body = Record<string, unknown>;
const errorMessage = async (res: Response): Promise<string> => ((await res.json()) as { message: string }).message;
const user = (...content: unknown[]) => ({ role: 'user', content });
const hi = user({ text: 'hi' });
const TOOL = { toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } };
const PNG = 'iVBORw0KGgo=';
const PDF = 'JVBERi0xLjQ=';
const doc = (name: string, format = 'pdf', source: unknown = { bytes: PDF }) => ({
  document: { format, name, source },
});
/** A tool round trip: the assistant's toolUse `id`, answered by `result`. */
const toolTurns = (id: string, result: Body = { toolUseId: id, content: [{ text: 'r' }] }): Body => ({
  messages: [
    user({ text: 'a' }),
    { role: 'assistant', content: [{ toolUse: { toolUseId: id, name: 'f', input: {} } }] },
    user({ toolResult: result }),
  ],
  toolConfig: { tools: [TOOL] },
});
const withInference = (inferenceConfig: Body): Body => ({ messages: [hi], inferenceConfig });
const withTools = (toolConfig: Body): Body => ({ messages: [hi], toolConfig });
const withContent = (...content: unknown[]): Body => ({ messages: [user(...content)] });
const cacheAfter = (block: unknown, role = 'assistant'): Body => ({
  messages:
    role === 'user'
      ? [user({ text: 'a' }, block, { cachePoint: { type: 'default' } })]
      : [hi, { role, content: [block, { cachePoint: { type: 'default' } }] }, user({ text: 'b' })],
});
const reasoning = { reasoningContent: { reasoningText: { text: 'thinking', signature: 'sig' } } };

/** Each row: a body the service refuses, its message (or a part of it), and a neighbour it accepts. */
const REFUSALS: Array<[string, Body, string, Body]> = [
  [
    'temperature above 1',
    withInference({ temperature: 1.5 }),
    "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
    withInference({ temperature: 1 }),
  ],
  [
    'topP below 0',
    withInference({ topP: -0.1 }),
    "at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value greater than or equal to 0",
    withInference({ topP: 0 }),
  ],
  [
    'maxTokens 0',
    withInference({ maxTokens: 0 }),
    "Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
    withInference({ maxTokens: 1 }),
  ],
  [
    'an empty stop sequence',
    withInference({ stopSequences: ['x', ''] }),
    "at 'inferenceConfig.stopSequences.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
    withInference({ stopSequences: ['x'] }),
  ],
  [
    'an empty system text',
    { messages: [hi], system: [{ text: '' }] },
    "at 'system.1.member.text' failed to satisfy constraint: Member must have length greater than or equal to 1",
    { messages: [hi], system: [{ text: 's' }] },
  ],
  [
    'an empty tool list',
    withTools({ tools: [] }),
    "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1",
    withTools({ tools: [TOOL] }),
  ],
  ['a toolConfig without tools', withTools({}), 'The provided request is not valid', withTools({ tools: [TOOL] })],
  [
    'a tool name of 65 characters',
    withTools({ tools: [{ toolSpec: { ...TOOL.toolSpec, name: 'f'.repeat(65) } }] }),
    "at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy constraint: Member must have length less than or equal to 64",
    withTools({ tools: [{ toolSpec: { ...TOOL.toolSpec, name: 'f'.repeat(64) } }] }),
  ],
  [
    'an empty tool description',
    withTools({ tools: [{ toolSpec: { ...TOOL.toolSpec, description: '' } }] }),
    "Value '' at 'toolConfig.tools.1.member.toolSpec.description' failed to satisfy constraint: Member must have length greater than or equal to 1",
    withTools({ tools: [{ toolSpec: { ...TOOL.toolSpec, description: 'd' } }] }),
  ],
  [
    'a message without content',
    { messages: [user()] },
    'The content field in the Message object at messages.0 is empty.',
    { messages: [hi] },
  ],
  [
    'a document without a text block',
    withContent(doc('report')),
    'A text block must be included when using documents.',
    withContent(doc('report'), { text: 'summarise' }),
  ],
  [
    'a document name with two spaces in a row',
    withContent(doc('q3  report'), { text: 'x' }),
    "The name can't contain more than one consecutive whitespace character.",
    withContent(doc('q3 report_(v2) [final]'), { text: 'x' }),
  ],
  [
    'a document name with a dot',
    withContent(doc('report.pdf'), { text: 'x' }),
    'The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets.',
    withContent(doc('report-pdf'), { text: 'x' }),
  ],
  [
    'a document name with an ideographic space',
    withContent(doc('q3\u3000report'), { text: 'x' }),
    'The document file name can only contain',
    withContent(doc('q3 report'), { text: 'x' }),
  ],
  [
    'a document name of 201 characters',
    withContent(doc('d'.repeat(201)), { text: 'x' }),
    "at 'messages.1.member.content.1.member.document.name' failed to satisfy constraint: Member must have length less than or equal to 200",
    withContent(doc('d'.repeat(200)), { text: 'x' }),
  ],
  [
    'a document source without bytes',
    withContent({ text: 'x' }, doc('report', 'pdf', { text: 'inline' })),
    'DocumentSource object at messages.0.content.1.document.source must set one of the following keys: bytes, s3Location.',
    withContent({ text: 'x' }, doc('report', 'pdf', { s3Location: { uri: 's3://bucket/report.pdf' } })),
  ],
  [
    'a document from the assistant',
    { messages: [hi, { role: 'assistant', content: [{ text: 'see' }, doc('report')] }, user({ text: 'ok' })] },
    'documents are only allowed in user messages',
    { messages: [hi, { role: 'assistant', content: [{ text: 'see' }] }, user({ text: 'ok' }, doc('report'))] },
  ],
  [
    '21 images in a message',
    withContent({ text: 'x' }, ...Array(21).fill({ image: { format: 'png', source: { bytes: PNG } } })),
    'a message holds up to 20 images',
    withContent({ text: 'x' }, ...Array(20).fill({ image: { format: 'png', source: { bytes: PNG } } })),
  ],
  [
    'an image over 3.75 MB',
    withContent({
      image: { format: 'png', source: { bytes: Buffer.alloc(3.75 * 1024 * 1024 + 1).toString('base64') } },
    }),
    'an image is at most 3.75 MB',
    withContent({ image: { format: 'png', source: { bytes: Buffer.alloc(3.75 * 1024 * 1024).toString('base64') } } }),
  ],
  [
    'a toolUseId with a pipe',
    toolTurns('call_1|fc_1'),
    "Value at 'messages.2.member.content.1.member.toolUse.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+",
    toolTurns('functions.f:0'),
  ],
  [
    'a toolUseId of 65 characters',
    toolTurns('t'.repeat(65)),
    'failed to satisfy constraint: Member must have length less than or equal to 64',
    toolTurns('t'.repeat(64)),
  ],
  [
    'a toolResult status outside success and error',
    toolTurns('t1', { toolUseId: 't1', content: [{ text: 'r' }], status: 'failed' }),
    "Value 'failed' at 'messages.3.member.content.1.member.toolResult.status' failed to satisfy constraint: Member must satisfy enum value set: [success, error]",
    toolTurns('t1', { toolUseId: 't1', content: [{ text: 'r' }], status: 'error' }),
  ],
  [
    'a toolResult block with two members',
    toolTurns('t1', { toolUseId: 't1', content: [{ text: 'r', json: {} }] }),
    'toolResult.content: each block has exactly one of',
    toolTurns('t1', { toolUseId: 't1', content: [{ json: { r: 1 } }] }),
  ],
  [
    'a cachePoint ttl other than 5m or 1h',
    withContent({ text: 'x' }, { cachePoint: { type: 'default', ttl: '10m' } }),
    "Value '10m' at 'cachePoint.ttl' failed to satisfy constraint: Member must satisfy enum value set: [5m, 1h]",
    withContent({ text: 'x' }, { cachePoint: { type: 'default', ttl: '1h' } }),
  ],
  [
    'a cachePoint after a reasoning block',
    cacheAfter(reasoning),
    'Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again.',
    {
      messages: [
        hi,
        { role: 'assistant', content: [reasoning, { text: 'a' }, { cachePoint: { type: 'default' } }] },
        user({ text: 'b' }),
      ],
    },
  ],
];

describe('mock Bedrock: what Converse refuses, each beside a neighbour it accepts', () => {
  it.each(REFUSALS)('%s', async (_name, refused, message, accepted) => {
    const res = await call(NOVA, 'converse', refused);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^ValidationException:/);
    expect(await errorMessage(res)).toContain(message);
    const ok = await call(NOVA, 'converse', accepted);
    expect([ok.status, ok.status === 200 ? '' : await errorMessage(ok)]).toEqual([200, '']);
  });

  it('refuses toolChoice any for a model other than Claude, and takes tool for Nova', async () => {
    const forced = (toolChoice: Body): Body => ({ messages: [hi], toolConfig: { tools: [TOOL], toolChoice } });
    const any = await call(NOVA, 'converse', forced({ any: {} }));
    expect([any.status, await errorMessage(any)]).toEqual([
      400,
      "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again.",
    ]);
    expect((await call(NOVA, 'converse', forced({ tool: { name: 'f' } }))).status).toBe(200);
    expect((await call(NOVA, 'converse', forced({ auto: {} }))).status).toBe(200);
    expect((await call(CLAUDE, 'converse', forced({ any: {} }))).status).toBe(200);
  });

  it('takes outputConfig, a field of the request', async () => {
    expect((await call(NOVA, 'converse', { messages: [hi], outputConfig: {} })).status).toBe(200);
  });

  it('refuses a cachePoint after a document other than a PDF for Claude, as the Messages translation does', async () => {
    const txt = await call(CLAUDE, 'converse', cacheAfter(doc('notes', 'txt'), 'user'));
    expect(await errorMessage(txt)).toBe(
      'The model returned the following errors: messages.0.content.2.type: Field required',
    );
    expect((await call(CLAUDE, 'converse', cacheAfter(doc('notes', 'pdf'), 'user'))).status).toBe(200);
    expect((await call(NOVA, 'converse', cacheAfter(doc('notes', 'txt'), 'user'))).status).toBe(200);
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
    const streamField = await call(CLAUDE, 'invoke', {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(await errorMessage(streamField)).toBe(
      'Malformed input request: #: extraneous key [stream] is not permitted, please reformat your input and try again.',
    );
    const noVersion = await call(CLAUDE, 'invoke', { max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(await errorMessage(noVersion)).toBe(
      'Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.',
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
