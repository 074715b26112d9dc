/**
 * A gateway composed of only the plugins a test names (no preset), on a random loopback port,
 * the few HTTP calls the per-package tests make to it, and a tiny provider plugin that lets
 * protocol-openai be tested without provider-openai.
 */
import { createGateway, createLogger } from '@switchyard/core';
import type { ConfigInput, Exchange, Gateway, Plugin, PluginEntry, UpstreamRequest } from '@switchyard/core';
import type { ChatCompletion, ChatCompletionChunk } from '@switchyard/core/protocol';
import type { ProviderAdapter } from '@switchyard/core/provider';
import { providerPlugin } from '@switchyard/wire-provider';

export interface MinimalGateway {
  gateway: Gateway;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON. */
  json: any;
}

/** Starts a gateway with exactly `plugins`; the caller closes it. */
export async function minimalGateway(config: ConfigInput, plugins: PluginEntry[]): Promise<MinimalGateway> {
  const gateway = await createGateway({
    config: { ...config, server: { host: '127.0.0.1', port: 0, drainDelayMs: 0 } },
    plugins,
    logger: createLogger({ level: 'silent' }),
  });
  const { url } = await gateway.listen();
  return { gateway, url, close: () => gateway.close({ drainDelayMs: 0 }) };
}

async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs `body` as JSON to the gateway. */
export async function post(
  gw: MinimalGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return answerOf(res);
}

/** GETs a path of the gateway. */
export async function get(gw: MinimalGateway, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answerOf(await fetch(`${gw.url}${path}`, { headers }));
}

/** The parsed `data:` payloads of an SSE body, `[DONE]` kept as the string. */
export function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const line = frame.split('\n').find((l) => l.startsWith('data: '))!;
      const data = line.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

/** What the tiny provider's model listing answers, and how often it was asked. */
export interface TinyListing {
  models: string[] | Error;
  calls: number;
}

/**
 * Provider type `tiny`: an upstream of its own protocol (`tiny`), so that an OpenAI caller's
 * answer is decoded to canonical form and written back by protocol-openai's codec rather than
 * passed through. Its wire is the mock OpenAI's Chat Completions, always asked for stream usage.
 */
export function tinyProvider(listing: TinyListing = { models: [], calls: 0 }): Plugin<Record<string, never>> {
  const adapter: ProviderAdapter = {
    protocol: 'tiny',
    decodeResponse: (body) => body as ChatCompletion,
    async *decodeStream(events) {
      for await (const event of events) {
        if (event.data === '[DONE]') return;
        yield JSON.parse(event.data) as ChatCompletionChunk;
      }
    },
    async listModels() {
      listing.calls++;
      if (listing.models instanceof Error) throw listing.models;
      return listing.models;
    },
  };
  return providerPlugin({
    name: 'provider-tiny',
    type: 'tiny',
    adapter,
    build(req: UpstreamRequest, x: Exchange) {
      req.url = `${x.target!.instance.baseUrl}/chat/completions`;
      req.headers = { 'content-type': 'application/json' };
      const stream = req.stream ? { stream_options: { include_usage: true } } : {};
      req.body = { ...x.request, model: x.target!.model, ...stream };
      return req;
    },
  });
}
