/**
 * A hole the tenth rule-bypass pass closed: a Responses `image_generation` tool has the upstream run
 * an image model of its own (the tool's `model`, `gpt-image-1` when it names none), which a key's
 * allowed models were never checked against: a key limited to `gpt-4o-mini` generated images with
 * `gpt-image-1`. Budgets refuse the tool for a budgeted key (its images have no price); a key
 * without a budget reached the image model. An aggregator's server tools passed through Chat
 * Completions the same way: OpenRouter's `openrouter:image_generation` (`parameters.model`, else
 * `openai/gpt-5-image`) and `openrouter:fusion` (a panel of `parameters.analysis_models`, else one
 * OpenRouter picks), `openrouter:advisor` (`parameters.model`), and Anthropic's advisor tool
 * (`advisor_20260301`, its `model`: a key limited to Sonnet consulted Opus). Now the models a hosted tool runs must be allowed too, or the request is
 * refused with 403 `model_not_allowed` before any upstream call. Each refusal failed before the fix
 * (200, the tool sent upstream); the cases that pass guard against refusing what a key may use.
 * A shared response cache, looked up before routing, answered a narrow key from an answer another
 * key's request with the tool had made (200, a hit): such requests are now kept per key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '@switchyard/plugin-response-cache';
import { startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { answerAt, budgeted, k, messagesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';
import type { ScriptedUpstream } from '../support/rule-probes-5.js';

let up: ScriptedUpstream;
let setup: Awaited<ReturnType<typeof budgeted>>;

beforeAll(async () => {
  up = await startScriptedUpstream((body, path) =>
    path.endsWith('/messages')
      ? messagesAnswer(body.model, { input_tokens: 10, output_tokens: 1 })
      : answerAt(path, body.model),
  );
  setup = await budgeted({
    keys: [
      { name: 'tm-narrow', key: k('tm-narrow'), models: ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-6'] },
      { name: 'tm-advised', key: k('tm-advised'), models: ['claude-sonnet-4-6', 'claude-opus-4-*'] },
      {
        name: 'tm-or',
        key: k('tm-or'),
        models: ['gpt-4o', 'openai/gpt-5-image', 'or/google/*', 'anthropic/claude-sonnet-4.5'],
      },
      { name: 'tm-images', key: k('tm-images'), models: ['gpt-4o-mini', 'gpt-image-1'] },
      { name: 'tm-at-o', key: k('tm-at-o'), models: ['gpt-4o-mini', 'o/gpt-image-1'] },
      { name: 'tm-any', key: k('tm-any') },
    ],
    catalog: { 'gpt-4o-mini': { pricing: { input: 0.15, output: 0.6 }, contextWindow: 128_000 } },
    providers: [
      {
        name: 'o',
        type: 'openai',
        baseUrl: up.baseUrl,
        apiKey: 'test-key',
        models: ['gpt-4o-mini'],
        responsesApi: true,
      },
      {
        name: 'a',
        type: 'anthropic',
        baseUrl: up.baseUrl.replace(/\/v1$/, ''),
        apiKey: 'test-key',
        models: ['claude-sonnet-4-6'],
      },
      // An aggregator speaking Chat Completions (OpenRouter): its server tools pass through.
      { name: 'or', type: 'openai', baseUrl: up.baseUrl, apiKey: 'test-key', models: ['gpt-4o'] },
    ],
  });
});

afterAll(async () => {
  await setup?.gw.close();
  await up?.close();
});

const drawWith = (tool: Record<string, unknown>) => ({
  model: 'gpt-4o-mini',
  max_output_tokens: 100,
  input: 'draw a lighthouse',
  tools: [tool],
});

/** POSTs `body` to `path` as key `name` and tells what came of it, with the requests the upstream got by it. */
async function postAs(name: string, path: string, body: unknown) {
  const before = up.received.length;
  const res = await call(`${setup.gw.url}${path}`, k(name), body);
  if (res.status === 200) await setup.finished.next();
  return {
    status: res.status,
    code: res.json?.error?.code,
    type: res.json?.error?.type,
    message: String(res.json?.error?.message),
    sent: up.received.slice(before).map((r) => r.body),
  };
}

/** postAs to the Responses API. */
const drawAs = (name: string, body: unknown) => postAs(name, '/v1/responses', body);

describe('a hosted image generation tool under a key limited to other models', () => {
  it('is refused with 403 when the tool names no model: it runs gpt-image-1', async () => {
    const refused = await drawAs('tm-narrow', drawWith({ type: 'image_generation', size: '1024x1024' }));
    expect({ status: refused.status, code: refused.code, sent: refused.sent.length }).toEqual({
      status: 403,
      code: 'model_not_allowed',
      sent: 0,
    });
    expect(refused.message).toContain('`gpt-image-1`');
    expect(refused.message).toContain('image_generation tool');
  });

  it('is refused with 403 when the tool names a model the key does not list', async () => {
    const refused = await drawAs('tm-narrow', drawWith({ type: 'image_generation', model: 'gpt-image-1.5' }));
    expect({ status: refused.status, code: refused.code, sent: refused.sent.length }).toEqual({
      status: 403,
      code: 'model_not_allowed',
      sent: 0,
    });
    expect(refused.message).toContain('`gpt-image-1.5`');
    // The key's own model, without the tool, is answered.
    expect((await drawAs('tm-narrow', { model: 'gpt-4o-mini', input: 'hi' })).status).toBe(200);
  });

  it('is refused for a key that lists the image model only, when the tool names another', async () => {
    const refused = await drawAs('tm-images', drawWith({ type: 'image_generation', model: 'gpt-image-1.5' }));
    expect({ status: refused.status, sent: refused.sent.length }).toEqual({ status: 403, sent: 0 });
  });
});

describe('a hosted image generation tool whose model the key may use', () => {
  it('passes for a key listing the image model, named or by default', async () => {
    for (const tool of [{ type: 'image_generation' }, { type: 'image_generation', model: 'gpt-image-1' }]) {
      const res = await drawAs('tm-images', drawWith(tool));
      expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({ status: 200, tools: [tool] });
    }
  });

  it('passes for a key listing it at the instance that serves the request (instance/model)', async () => {
    const res = await drawAs('tm-at-o', drawWith({ type: 'image_generation' }));
    expect({ status: res.status, sent: res.sent.length }).toEqual({ status: 200, sent: 1 });
  });

  it('passes for a key without a model list', async () => {
    const tool = { type: 'image_generation', model: 'gpt-image-1.5' };
    const res = await drawAs('tm-any', drawWith(tool));
    expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({ status: 200, tools: [tool] });
  });
});

/** A Chat Completions body for the aggregator's model offering `tool`. */
const chatWith = (tool: Record<string, unknown>) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'draw a lighthouse' }],
  tools: [tool],
});

describe("an aggregator's server tools that run models of their own", () => {
  it('refuses OpenRouter image generation with its default model to a key not listing it', async () => {
    const refused = await postAs(
      'tm-narrow',
      '/v1/chat/completions',
      chatWith({ type: 'openrouter:image_generation' }),
    );
    expect({ status: refused.status, code: refused.code, sent: refused.sent.length }).toEqual({
      status: 403,
      code: 'model_not_allowed',
      sent: 0,
    });
    expect(refused.message).toContain('`openai/gpt-5-image`');
  });

  it('refuses an image model named in its parameters that the key does not list, passes one it does', async () => {
    const other = { type: 'openrouter:image_generation', parameters: { model: 'black-forest-labs/flux.2-pro' } };
    const refused = await postAs('tm-or', '/v1/chat/completions', chatWith(other));
    expect({ status: refused.status, sent: refused.sent.length }).toEqual({ status: 403, sent: 0 });
    const listed = { type: 'openrouter:image_generation', parameters: { model: 'openai/gpt-5-image' } };
    const res = await postAs('tm-or', '/v1/chat/completions', chatWith(listed));
    expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({ status: 200, tools: [listed] });
  });

  it('refuses a fusion panel the key does not list, or one OpenRouter picks; passes a listed panel', async () => {
    const unlisted = {
      type: 'openrouter:fusion',
      parameters: { analysis_models: ['google/gemini-2.5-pro', 'openai/gpt-5'] },
    };
    for (const tool of [{ type: 'openrouter:fusion' }, unlisted]) {
      const refused = await postAs('tm-or', '/v1/chat/completions', chatWith(tool));
      expect({ status: refused.status, code: refused.code, sent: refused.sent.length }).toEqual({
        status: 403,
        code: 'model_not_allowed',
        sent: 0,
      });
    }
    const listed = {
      type: 'openrouter:fusion',
      parameters: { analysis_models: ['google/gemini-2.5-pro', 'anthropic/claude-sonnet-4.5'] },
    };
    const res = await postAs('tm-or', '/v1/chat/completions', chatWith(listed));
    expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({ status: 200, tools: [listed] });
  });

  it('refuses an OpenRouter advisor the key does not list, or one OpenRouter picks; passes a listed one', async () => {
    for (const tool of [
      { type: 'openrouter:advisor' },
      { type: 'openrouter:advisor', parameters: { model: 'anthropic/claude-opus-4.5' } },
    ]) {
      const refused = await postAs('tm-or', '/v1/chat/completions', chatWith(tool));
      expect({ status: refused.status, sent: refused.sent.length }).toEqual({ status: 403, sent: 0 });
    }
    const listed = { type: 'openrouter:advisor', parameters: { model: 'anthropic/claude-sonnet-4.5' } };
    const res = await postAs('tm-or', '/v1/chat/completions', chatWith(listed));
    expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({ status: 200, tools: [listed] });
  });

  it("refuses a model named in another hosted tool's parameters that the key does not list", async () => {
    const tool = { type: 'vendor:advisor', parameters: { model: 'anthropic/claude-opus-4.5' } };
    const refused = await postAs('tm-or', '/v1/chat/completions', chatWith(tool));
    expect({ status: refused.status, sent: refused.sent.length }).toEqual({ status: 403, sent: 0 });
    // A hosted tool naming no model runs none of its own; a function tool is the caller's.
    const function_ = { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } };
    for (const other of [{ type: 'openrouter:web_search' }, function_]) {
      const res = await postAs('tm-or', '/v1/chat/completions', chatWith(other));
      expect({ status: res.status, sent: res.sent.length }).toEqual({ status: 200, sent: 1 });
    }
  });

  it('passes any of them for a key without a model list', async () => {
    const res = await postAs('tm-any', '/v1/chat/completions', chatWith({ type: 'openrouter:fusion' }));
    expect({ status: res.status, sent: res.sent.length }).toEqual({ status: 200, sent: 1 });
  });
});

/** A Messages body for Sonnet offering Anthropic's advisor tool with `advisor` as its model. */
const advisedBy = (advisor?: string) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'plan a refactor' }],
  tools: [{ type: 'advisor_20260301', name: 'advisor', ...(advisor === undefined ? {} : { model: advisor }) }],
});

describe("Anthropic's advisor tool", () => {
  it('is refused with 403 when its advisor model is not one the key may use', async () => {
    for (const body of [advisedBy('claude-opus-4-6'), advisedBy()]) {
      const refused = await postAs('tm-narrow', '/v1/messages', body);
      expect({ status: refused.status, type: refused.type, sent: refused.sent.length }).toEqual({
        status: 403,
        type: 'permission_error',
        sent: 0,
      });
    }
    const refused = await postAs('tm-narrow', '/v1/messages', advisedBy('claude-opus-4-6'));
    expect(refused.message).toContain('`claude-opus-4-6`');
    expect(refused.message).toContain('advisor_20260301 tool');
  });

  it('passes when the key may use the advisor model, and for a key without a model list', async () => {
    for (const name of ['tm-advised', 'tm-any']) {
      const res = await postAs(name, '/v1/messages', advisedBy('claude-opus-4-6'));
      expect({ status: res.status, tools: res.sent[0]?.tools }).toEqual({
        status: 200,
        tools: advisedBy('claude-opus-4-6').tools,
      });
    }
  });
});

describe('a shared response cache', () => {
  it("does not answer a key from another key's answer made with a tool model it may not use", async () => {
    const upstream = await startScriptedUpstream((body, path) => answerAt(path, body.model));
    const gw = await startGateway(
      {
        providers: [
          {
            name: 'o',
            type: 'openai',
            baseUrl: upstream.baseUrl,
            apiKey: 'test-key',
            models: ['gpt-4o-mini'],
            responsesApi: true,
          },
        ],
        plugins: {
          auth: {
            keys: [
              { name: 'tm-narrow', key: k('tm-narrow'), models: ['gpt-4o-mini'] },
              { name: 'tm-images', key: k('tm-images'), models: ['gpt-4o-mini', 'gpt-image-1'] },
            ],
          },
        },
      },
      { plugins: [{ plugin: responseCache(), options: { shared: true } }] },
    );
    try {
      const body = { ...drawWith({ type: 'image_generation' }), temperature: 0 };
      const allowed = await call(`${gw.url}/v1/responses`, k('tm-images'), body);
      expect({ status: allowed.status, sent: upstream.received.length }).toEqual({ status: 200, sent: 1 });
      // Cached for every key, as the same body from a key that may use the image model would be.
      const again = await call(`${gw.url}/v1/responses`, k('tm-images'), body);
      expect(again.headers['x-switchyard-cache']).toBe('hit');
      const refused = await call(`${gw.url}/v1/responses`, k('tm-narrow'), body);
      expect({ status: refused.status, code: refused.json?.error?.code, sent: upstream.received.length }).toEqual({
        status: 403,
        code: 'model_not_allowed',
        sent: 1,
      });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
