import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigInput } from '@switchyard/core';
import { budgetOf, budgetedGateway, call, type BudgetedSetup } from './rule-probes.js';

/** A caller key of the fifth pass's gateways, by name. */
export const k = (name: string): string => `sk-gw-pass5-${name}-0123456789abcdef`;
/** The admin key every budgeted() gateway has beside the given keys (to read budgets). */
export const ADMIN = k('ops');

/** An Anthropic instance `a` serving `m` from a scripted upstream (its base URL without `/v1`). */
export function anthropicAt(baseUrl: string): NonNullable<ConfigInput['providers']>[number] {
  return {
    name: 'a',
    type: 'anthropic',
    baseUrl: baseUrl.replace(/\/v1$/, ''),
    apiKey: 'ant-upstream-0123456789',
    models: ['m'],
  };
}

/** A Gemini instance `g` serving `model` from a scripted upstream (its base URL without `/v1`). */
export function geminiAt(baseUrl: string, model: string): NonNullable<ConfigInput['providers']>[number] {
  return {
    name: 'g',
    type: 'gemini',
    baseUrl: baseUrl.replace(/\/v1$/, ''),
    apiKey: 'gemini-upstream-test-credential',
    models: [model],
  };
}

/** A budgeted gateway with this pass's admin key. */
export const budgeted = (setup: BudgetedSetup): ReturnType<typeof budgetedGateway> => budgetedGateway(ADMIN, setup);

/**
 * POSTs `body` to the budgeted gateway's `path` as key `name` (k(name)), waits for a 200 to settle,
 * and tells what came of it: status, error message, requests the upstream got, the key's spend.
 */
export async function spendOn(
  { gw, finished }: Awaited<ReturnType<typeof budgeted>>,
  upstream: { received: unknown[] },
  name: string,
  path: string,
  body: unknown,
): Promise<{ status: number; message: string; sent: number; spentUsd: number }> {
  const res = await call(`${gw.url}${path}`, k(name), body);
  if (res.status === 200) await finished.next();
  const { spentUsd } = await budgetOf(gw.url, ADMIN, name);
  return { status: res.status, message: String(res.json?.error?.message), sent: upstream.received.length, spentUsd };
}

/** A loopback upstream answering every POST with the JSON `answer` gives for its body; it keeps the bodies. */
export interface ScriptedUpstream {
  /** e.g. http://127.0.0.1:41234/v1 */
  readonly baseUrl: string;
  /** The POST bodies received, in order, with their paths. */
  readonly received: Array<{ path: string; body: any }>;
  close(): Promise<void>;
}

export async function startScriptedUpstream(answer: (body: any, path: string) => unknown): Promise<ScriptedUpstream> {
  const received: Array<{ path: string; body: any }> = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '';
      if (req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"not found"}}');
        return;
      }
      const body = JSON.parse(text || '{}');
      received.push({ path, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(body, path)));
    });
  });
  return { ...(await listening(server)), received };
}

/** `server` listening on a loopback port: its base URL (with `/v1`), and how to close it and its connections. */
export async function listening(server: Server): Promise<{ baseUrl: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A completed Responses object of `model` with these output items (a message last) and this usage. */
export function responsesAnswer(
  model: string,
  items: unknown[],
  usage: { input_tokens: number; output_tokens: number },
): Record<string, unknown> {
  return {
    id: `resp_${Math.random().toString(36).slice(2, 12)}`,
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model,
    output: [
      ...items,
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'ok', annotations: [] }],
      },
    ],
    usage: {
      ...usage,
      total_tokens: usage.input_tokens + usage.output_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** A Chat Completions answer with this usage. */
export function chatAnswer(model: string, usage: { prompt_tokens: number; completion_tokens: number }): unknown {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** An Anthropic Messages answer with this usage. */
export function messagesAnswer(model: string, usage: Record<string, unknown>): unknown {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  };
}

/** A one-token answer of `model` in the shape of the OpenAI endpoint `path` names: embeddings, Responses, else Chat. */
export function answerAt(path: string, model: string): unknown {
  if (path.endsWith('/embeddings'))
    return {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
      model,
      usage: { prompt_tokens: 1, total_tokens: 1 },
    };
  if (path.endsWith('/responses')) return responsesAnswer(model, [], { input_tokens: 1, output_tokens: 1 });
  return chatAnswer(model, { prompt_tokens: 1, completion_tokens: 1 });
}
