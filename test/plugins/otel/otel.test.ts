import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { otel, systemOf } from '@switchyard/plugin-otel';
import { startMockOpenAI } from '../../support/mock-openai.js';
import type { MockOpenAI } from '../../support/mock-openai.js';
import { mockProvider, startGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/gateway.js';
import { until } from '../../support/wait.js';

const APP_KEY = 'gw-test-app-key-otel';
const exporter = new InMemorySpanExporter();
let a: MockOpenAI;
let b: MockOpenAI;
let gw: RunningGateway;

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  a = await startMockOpenAI({ name: 'a' });
  b = await startMockOpenAI({ name: 'b' });
  gw = await startGateway(
    {
      providers: [
        mockProvider('a', a.baseUrl, { models: ['m'] }),
        mockProvider('b', b.baseUrl, { models: ['m'], priority: 2 }),
      ],
      plugins: {
        'circuit-breaker': false,
        auth: { keys: [{ name: 'app-1', key: APP_KEY }] },
        otel: { propagateUpstream: true },
      },
    },
    { plugins: [otel()] },
  );
});

afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
  trace.disable();
  propagation.disable();
});

beforeEach(() => exporter.reset());

const chat = (
  body: Record<string, unknown>,
  headers: Record<string, string> = { authorization: `Bearer ${APP_KEY}` },
) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));

async function spans(count: number): Promise<ReadableSpan[]> {
  await until(() => exporter.getFinishedSpans().length >= count, { what: `${count} finished spans` });
  return exporter.getFinishedSpans();
}

describe('otel plugin', () => {
  it('makes a server span per request with a client child per attempt, GenAI attributes on both', async () => {
    a.queueFault({ kind: 'status', status: 500 });
    expect((await chat({ max_tokens: 64, temperature: 0.2 })).status).toBe(200);
    const finished = await spans(3);
    expect(finished).toHaveLength(3);
    const root = finished.find((s) => s.kind === SpanKind.SERVER)!;
    const attempts = finished
      .filter((s) => s.kind === SpanKind.CLIENT)
      .sort((x, y) => Number(x.attributes['switchyard.attempt']) - Number(y.attributes['switchyard.attempt']));
    expect(root.name).toBe('chat m');
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.system': 'openai',
      'gen_ai.response.model': 'm',
      'gen_ai.usage.input_tokens': expect.any(Number),
      'gen_ai.usage.output_tokens': expect.any(Number),
      'http.response.status_code': 200,
      'switchyard.caller': 'app-1',
      'switchyard.target': 'b/m',
      'switchyard.attempts': 2,
    });
    expect(root.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempts.map((s) => s.parentSpanContext?.spanId)).toEqual([
      root.spanContext().spanId,
      root.spanContext().spanId,
    ]);
    expect(attempts.map((s) => s.spanContext().traceId)).toEqual([
      root.spanContext().traceId,
      root.spanContext().traceId,
    ]);
    expect(attempts[0]!.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'server.address': '127.0.0.1',
      'switchyard.instance': 'a',
      'switchyard.outcome': 'failure',
      'http.response.status_code': 500,
      'error.type': 'status',
    });
    expect(attempts[0]!.attributes['server.port']).toBe(Number(new URL(a.baseUrl).port));
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.attributes).toMatchObject({
      'switchyard.instance': 'b',
      'switchyard.outcome': 'success',
      'gen_ai.response.model': 'm',
      'gen_ai.usage.input_tokens': expect.any(Number),
    });
    // propagateUpstream: the upstream saw the attempt's trace context
    const sent = b.requests.at(-1)!.headers.traceparent;
    expect(sent).toBe(`00-${attempts[1]!.spanContext().traceId}-${attempts[1]!.spanContext().spanId}-01`);
  });

  it("joins the caller's trace from an incoming traceparent", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    expect(
      (await chat({}, { authorization: `Bearer ${APP_KEY}`, traceparent: `00-${traceId}-${callerSpan}-01` })).status,
    ).toBe(200);
    const root = (await spans(2)).find((s) => s.kind === SpanKind.SERVER)!;
    expect(root.spanContext().traceId).toBe(traceId);
    expect(root.parentSpanContext?.spanId).toBe(callerSpan);
  });

  it('traces refused requests too, without attempts', async () => {
    expect((await chat({}, {})).status).toBe(401);
    const finished = await spans(1);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.attributes).toMatchObject({
      'http.response.status_code': 401,
      'error.type': 'SWITCHYARD_ERR_UNAUTHORIZED',
    });
    expect(finished[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names a span by the requested model only once a target took it: unknown names add no span names', async () => {
    for (let i = 0; i < 50; i++) expect((await chat({ model: `zq-unknown-${i}` })).status).toBe(404);
    expect((await chat({}, {})).status).toBe(401);
    const finished = await spans(51);
    expect(new Set(finished.map((s) => s.name))).toEqual(new Set(['chat']));
    expect(finished[0]!.attributes['gen_ai.request.model']).toBe('zq-unknown-0'); // still said, as an attribute
  });

  it('marks a request that failed upstream as an error', async () => {
    a.queueFault({ kind: 'status', status: 503 });
    b.queueFault({ kind: 'status', status: 503 });
    expect((await chat({})).status).toBe(502);
    const root = (await spans(3)).find((s) => s.kind === SpanKind.SERVER)!;
    expect(root.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringContaining('503') });
    expect(root.attributes['error.type']).toBe('SWITCHYARD_ERR_UPSTREAM_FAILED');
  });

  it("names each built-in provider type's system as the GenAI semantic conventions do", () => {
    expect(
      ['openai', 'anthropic', 'gemini', 'azure-openai', 'bedrock', 'vertex', 'acme'].map((type) => systemOf(type)),
    ).toEqual(['openai', 'anthropic', 'gcp.gemini', 'azure.ai.openai', 'aws.bedrock', 'gcp.vertex_ai', 'acme']);
  });
});
