/**
 * An upstream answering 200 may still quote the gateway's upstream credentials: a proxy that
 * reports a bad key in a 200 JSON error, or a server echoing its request headers into the answer.
 * On same-protocol pass-through the caller gets the upstream's own bytes, so those bytes must lose
 * the instance's secret values (its key, a secret header) before they go out; an answer quoting
 * none goes out byte for byte.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';
import type { RunningGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { chatAnswer, k, listening, responsesAnswer } from '../support/rule-probes-5.js';

const UPSTREAM_KEY = 'Zq9xLocalProxyToken0123456789';
const HEADER_SECRET = 'HeaderSecretValue135792468';
const SECRETS = [UPSTREAM_KEY, HEADER_SECRET];

/** What the upstream answers, with status 200, for the first word of the caller's text. */
function answerFor(word: string, quoted: string, path: string): unknown {
  if (word === 'error') return { error: { message: `Incorrect API key provided: ${quoted}`, type: 'auth_error' } };
  const text = word === 'echo' ? `you sent ${quoted}` : 'plain answer';
  if (path.endsWith('/responses'))
    return { ...responsesAnswer('m', [], { input_tokens: 3, output_tokens: 1 }), echo: text };
  if (path.endsWith('/messages'))
    return {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 1 },
    };
  const answer = chatAnswer('m', { prompt_tokens: 3, completion_tokens: 1 }) as { choices: [{ message: object }] };
  answer.choices[0].message = { role: 'assistant', content: text };
  return answer;
}

/** A loopback upstream (OpenAI-compatible and Anthropic paths) answering 200, quoting the credentials it got. */
async function quotingUpstream() {
  const answers: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      const said = String(body.input ?? body.messages?.[0]?.content ?? '');
      const quoted = `${String(req.headers.authorization ?? req.headers['x-api-key'])} ${String(req.headers['x-api-secret'])}`;
      const answer = JSON.stringify(answerFor(said.split(' ')[0]!, quoted, req.url ?? ''));
      answers.push(answer);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    });
  });
  return { ...(await listening(server)), answers };
}

describe('a 200 answer quoting the upstream credentials, passed through in the caller protocol', () => {
  let up: Awaited<ReturnType<typeof quotingUpstream>>;
  let gw: RunningGateway;
  beforeAll(async () => {
    up = await quotingUpstream();
    const headers = { 'x-api-secret': HEADER_SECRET };
    gw = await startGateway({
      providers: [
        {
          name: 'o',
          type: 'openai',
          baseUrl: up.baseUrl,
          apiKey: UPSTREAM_KEY,
          headers,
          responsesApi: true,
          models: ['m'],
        },
        {
          name: 'a',
          type: 'anthropic',
          baseUrl: up.baseUrl.replace(/\/v1$/, ''),
          apiKey: UPSTREAM_KEY,
          headers,
          models: ['m'],
        },
      ] as never,
      plugins: { auth: { keys: [{ name: 'app', key: k('answers7') }] } },
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const bodyOf = (path: string, text: string) =>
    path === '/v1/responses'
      ? { model: 'o/m', input: text }
      : { model: path === '/v1/messages' ? 'a/m' : 'o/m', max_tokens: 5, messages: [{ role: 'user', content: text }] };

  for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/responses']) {
    it(`${path}: a 200 error or echo quoting the key and a secret header reaches the caller without them`, async () => {
      for (const word of ['error', 'echo']) {
        const res = await call(`${gw.url}${path}`, k('answers7'), bodyOf(path, `${word} please`));
        expect({ path, word, status: res.status }).toEqual({ path, word, status: 200 });
        // The upstream did quote them: the gateway is what keeps them from the caller.
        expect(SECRETS.every((s) => up.answers.at(-1)!.includes(s))).toBe(true);
        expect(SECRETS.filter((s) => res.text.includes(s))).toEqual([]);
        expect(res.text).toContain('****');
      }
    });
  }

  it('an echo converted to the caller protocol (Chat to Anthropic, Messages to OpenAI) loses them too', async () => {
    for (const [path, model] of [
      ['/v1/chat/completions', 'a/m'],
      ['/v1/messages', 'o/m'],
    ] as const) {
      const body = { model, max_tokens: 5, messages: [{ role: 'user', content: 'echo please' }] };
      const res = await call(`${gw.url}${path}`, k('answers7'), body);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(SECRETS.every((s) => up.answers.at(-1)!.includes(s))).toBe(true);
      expect(SECRETS.filter((s) => res.text.includes(s))).toEqual([]);
      expect(res.text).toContain('you sent');
    }
  });

  it('an answer quoting no credential goes out as the upstream wrote it', async () => {
    for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/responses']) {
      const res = await call(`${gw.url}${path}`, k('answers7'), bodyOf(path, 'plain please'));
      expect(res.status).toBe(200);
      expect(res.text).toBe(up.answers.at(-1));
    }
  });
});
