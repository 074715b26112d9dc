/**
 * A hole the twelfth rule-bypass pass closed: every gateway key shares each upstream instance's
 * account, and a request may name objects of that account by id — a file (`file_id` of a Chat
 * `file` part, a Responses `input_file` or `input_image`, an Anthropic `document`/`image` with a
 * `file` source or a `container_upload`), an earlier audio answer (a Chat assistant message's
 * `audio.id`), a vector store (`file_search`'s `vector_store_ids`), a
 * file of a code interpreter's container (`container.file_ids`), an Anthropic custom skill
 * (`container.skills`). The gateway serves no files API, so these are the operator's, made outside
 * it: any key naming another tenant's id read its data. Such a request is refused now (403
 * `account_object_not_allowed`, in the caller's protocol, naming the field), unless the key's
 * `accountObjects` lists the id (or `*`). Each refusal failed before the fix (200, the id sent).
 */
import { describe, expect, it } from 'vitest';
import { budgetOf, call } from '../support/rule-probes.js';
import {
  anthropicAt,
  ADMIN,
  budgeted,
  k,
  messagesAnswer,
  responsesAnswer,
  startScriptedUpstream,
} from '../support/rule-probes-5.js';

const FILE = 'file-payroll-2026';
const STORE = 'vs_payroll_docs';
const SKILL = 'skill_payroll_tools';
const AUDIO = 'audio_payroll_reading';

const user = (content: unknown[]) => [{ role: 'user', content }];
const responses = (extra: Record<string, unknown>) => ({ model: 'gpt-x', max_output_tokens: 50, ...extra });
const messages = (extra: Record<string, unknown>) => ({ model: 'm', max_tokens: 50, ...extra });
const fileSource = { type: 'file', file_id: FILE };

/** Requests naming an account object: label, path, body, the field the refusal names, the id. */
const NAMING: Array<[string, string, Record<string, unknown>, string, string]> = [
  [
    'Chat file part',
    '/v1/chat/completions',
    { model: 'gpt-x', max_tokens: 50, messages: user([{ type: 'file', file: { file_id: FILE } }]) },
    'file_id',
    FILE,
  ],
  [
    'Chat audio answer of an earlier turn',
    '/v1/chat/completions',
    {
      model: 'gpt-x',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'read the payroll aloud' },
        { role: 'assistant', audio: { id: AUDIO } },
        { role: 'user', content: 'again' },
      ],
    },
    'messages.audio.id',
    AUDIO,
  ],
  [
    'Responses input_file',
    '/v1/responses',
    responses({ input: user([{ type: 'input_file', file_id: FILE }]) }),
    'file_id',
    FILE,
  ],
  [
    'Responses input_image',
    '/v1/responses',
    responses({ input: user([{ type: 'input_image', file_id: FILE, detail: 'auto' }]) }),
    'file_id',
    FILE,
  ],
  [
    'Responses file_search',
    '/v1/responses',
    responses({ input: 'what do they earn?', tools: [{ type: 'file_search', vector_store_ids: [STORE] }] }),
    'tools.vector_store_ids',
    STORE,
  ],
  [
    'Responses code_interpreter container files',
    '/v1/responses',
    responses({
      input: 'sum the payroll',
      tools: [{ type: 'code_interpreter', container: { type: 'auto', file_ids: [FILE] } }],
    }),
    'tools.container.file_ids',
    FILE,
  ],
  [
    'Messages document with a file source',
    '/v1/messages',
    messages({
      messages: user([
        { type: 'document', source: fileSource },
        { type: 'text', text: 'sum it up' },
      ]),
    }),
    'file_id',
    FILE,
  ],
  [
    'Messages image with a file source',
    '/v1/messages',
    messages({
      messages: user([
        { type: 'image', source: fileSource },
        { type: 'text', text: 'describe it' },
      ]),
    }),
    'file_id',
    FILE,
  ],
  [
    'Messages document inside a tool result',
    '/v1/messages',
    messages({
      messages: [
        { role: 'user', content: 'read the payroll' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document', source: fileSource }] },
          ],
        },
      ],
      tools: [{ name: 'read', input_schema: { type: 'object' } }],
    }),
    'file_id',
    FILE,
  ],
  [
    'Messages container_upload',
    '/v1/messages',
    messages({
      messages: user([
        { type: 'container_upload', file_id: FILE },
        { type: 'text', text: 'sum the payroll' },
      ]),
      tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
    }),
    'file_id',
    FILE,
  ],
  [
    'Messages custom skill',
    '/v1/messages',
    messages({
      messages: user([{ type: 'text', text: 'run the payroll skill' }]),
      container: { skills: [{ type: 'custom', skill_id: SKILL, version: 'latest' }] },
      tools: [{ type: 'code_execution_20250825', name: 'code_execution' }],
    }),
    'container.skills.skill_id',
    SKILL,
  ],
];

/** A gateway with OpenAI (Responses passed through) and Anthropic instances of one upstream account, and these keys. */
async function gateway(keys: object[]) {
  const up = await startScriptedUpstream((body, path) =>
    path.endsWith('/messages')
      ? messagesAnswer(body.model, { input_tokens: 10, output_tokens: 1 })
      : path.endsWith('/responses')
        ? responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: 1 })
        : {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
          },
  );
  const setup = await budgeted({
    keys,
    catalog: {
      'gpt-x': { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 },
      m: { pricing: { input: 3, output: 15 }, contextWindow: 200_000, maxOutputTokens: 4000 },
    },
    providers: [
      {
        name: 'o',
        type: 'openai',
        baseUrl: up.baseUrl,
        apiKey: 'openai-upstream-test-credential',
        models: ['gpt-x'],
        responsesApi: true,
      },
      anthropicAt(up.baseUrl),
    ],
  });
  return { up, gw: setup.gw, close: async () => (await setup.gw.close(), await up.close()) };
}

describe('an object of the upstream account named by id', () => {
  it('is refused for a key not listing it (403 in the caller protocol, naming the field), before any upstream', async () => {
    const { up, gw, close } = await gateway([{ name: 'tenant', key: k('tenant') }]);
    try {
      for (const [label, path, body, field, id] of NAMING) {
        const res = await call(`${gw.url}${path}`, k('tenant'), body);
        // Was 200, the id sent upstream.
        expect({ label, status: res.status, sent: up.received.length }).toEqual({ label, status: 403, sent: 0 });
        const error = res.json.error;
        expect(error.message).toContain(field);
        expect(error.message).toContain(id);
        expect(error.message).toContain('accountObjects');
        if (path === '/v1/messages') expect(error.type).toBe('permission_error');
        else
          expect({ code: error.code, param: error.param }).toEqual({
            code: 'account_object_not_allowed',
            param: field,
          });
      }
      // Counting the tokens of a file by id (Anthropic counts natively) is refused too.
      const count = await call(`${gw.url}/v1/messages/count_tokens`, k('tenant'), {
        model: 'm',
        messages: user([{ type: 'document', source: fileSource }]),
      });
      expect({ status: count.status, sent: up.received.length }).toEqual({ status: 403, sent: 0 });
    } finally {
      await close();
    }
  });

  it('passes for a key listing the id, and for a key allowing any (`*`)', async () => {
    const { up, gw, close } = await gateway([
      { name: 'owner', key: k('owner'), accountObjects: [FILE, STORE, SKILL, AUDIO] },
      { name: 'trusted', key: k('trusted'), accountObjects: ['*'] },
    ]);
    try {
      let sent = 0;
      for (const name of ['owner', 'trusted'])
        for (const [label, path, body, , id] of NAMING) {
          const res = await call(`${gw.url}${path}`, k(name), body);
          expect({ name, label, status: res.status }).toEqual({ name, label, status: 200 });
          expect(JSON.stringify(up.received[sent++]?.body)).toContain(id);
        }
      // A key listing some ids names no other.
      const other = await call(`${gw.url}/v1/chat/completions`, k('owner'), {
        model: 'gpt-x',
        max_tokens: 50,
        messages: user([{ type: 'file', file: { file_id: 'file-someone-else' } }]),
      });
      expect(other.status).toBe(403);
      expect(up.received).toHaveLength(sent);
    } finally {
      await close();
    }
  });

  it("an allowed object's input is reserved as one the body does not show: a file up to the window, audio as unpriced", async () => {
    const { up, gw, close } = await gateway([
      { name: 'payer', key: k('payer'), accountObjects: ['*'], budget: { usd: 0.1, period: 'day' } },
    ]);
    try {
      const file = await call(`${gw.url}/v1/chat/completions`, k('payer'), NAMING[0]![2]);
      // 200,000 tokens of window at $3 per million: past the $0.10 budget.
      expect(file.status).toBe(402);
      const audio = await call(`${gw.url}/v1/chat/completions`, k('payer'), NAMING[1]![2]);
      // Was 200: the earlier audio answer read as input no price covers.
      expect({ status: audio.status, message: audio.json?.error?.message }).toEqual({
        status: 400,
        message: expect.stringContaining('audio input'),
      });
      expect(up.received).toHaveLength(0);
      expect((await budgetOf(gw.url, ADMIN, 'payer')).spentUsd).toBe(0);
    } finally {
      await close();
    }
  });
});
