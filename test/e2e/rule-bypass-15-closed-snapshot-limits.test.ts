/**
 * A hole the fifteenth rule-bypass pass closed: a key × model rate limit counted a dated snapshot
 * of the model as another model. A key allowed `gpt-4o*` and limited to one request a minute on
 * `gpt-4o` sent its next requests as `gpt-4o-2024-08-06` and `gpt-4o-2024-11-20`, each admitted;
 * a glob limit (`claude-sonnet-4-5*`) kept a counter per name, so it could not hold the model
 * either. A dated or versioned name now counts under the model it is a snapshot of too (the name
 * plugin-models' table prices it by), whatever the limit's spelling. The first two cases failed
 * before the fix; the third checks a sibling model (`gpt-4o-mini`) keeps its own counter.
 */
import { describe, expect, it } from 'vitest';
import { mockProvider, startGateway } from '../support/gateway.js';
import { call } from '../support/rule-probes.js';
import { chatAnswer, messagesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';

const KEY = 'fake-snapshot-limit-key';
const hi = (model: string) => ({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });

/** The statuses of `models` asked one after the other on `path` by a key allowed `allowed`, limited per `limits`. */
async function statusesOf(
  provider: (baseUrl: string) => Record<string, unknown>,
  answer: (body: any) => unknown,
  allowed: string[],
  limits: Record<string, unknown>,
  path: string,
  models: string[],
): Promise<{ statuses: number[]; sent: string[] }> {
  const up = await startScriptedUpstream(answer);
  const gw = await startGateway({
    plugins: { auth: { keys: [{ name: 'snap15', key: KEY, models: allowed, limits: { models: limits } }] } },
    providers: [provider(up.baseUrl)],
  });
  try {
    const statuses: number[] = [];
    for (const model of models) statuses.push((await call(`${gw.url}${path}`, KEY, hi(model))).status);
    return { statuses, sent: up.received.map((r) => String(r.body.model)) };
  } finally {
    await gw.close();
    await up.close();
  }
}

const openai = (baseUrl: string) => mockProvider('oa', baseUrl);
const chat = (body: any) => chatAnswer(body.model, { prompt_tokens: 1, completion_tokens: 1 });

describe('a key × model limit and the dated snapshots of its model', () => {
  it('a limit on gpt-4o holds its snapshots: gpt-4o-2024-08-06 and gpt-4o-2024-11-20 are refused once it is used', async () => {
    const models = ['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-2024-11-20'];
    const { statuses, sent } = await statusesOf(
      openai,
      chat,
      ['gpt-4o*'],
      { 'gpt-4o': { requestsPerMinute: 1 } },
      '/v1/chat/completions',
      models,
    );
    // Was [200, 200, 200]: each snapshot admitted past the model's limit.
    expect(statuses).toEqual([200, 429, 429]);
    expect(sent).toEqual(['gpt-4o']);
  });

  it('a glob limit holds the model across its names, the snapshot asked first', async () => {
    const anthropic = (baseUrl: string) => ({
      name: 'an',
      type: 'anthropic',
      baseUrl: baseUrl.replace(/\/v1$/, ''),
      apiKey: 'fake-anthropic-upstream-key',
      models: ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
    });
    const { statuses, sent } = await statusesOf(
      anthropic,
      (body) => messagesAnswer(body.model, { input_tokens: 1, output_tokens: 1 }),
      ['claude-sonnet-4-5*'],
      { 'claude-sonnet-4-5*': { requestsPerMinute: 1 } },
      '/v1/messages',
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    );
    // Was [200, 200]: one counter per name.
    expect(statuses).toEqual([200, 429]);
    expect(sent).toEqual(['claude-sonnet-4-5-20250929']);
  });

  it('another model of the family is not a snapshot: gpt-4o-mini keeps its own counter', async () => {
    const { statuses } = await statusesOf(
      openai,
      chat,
      ['gpt-4o*'],
      { 'gpt-4o': { requestsPerMinute: 1 } },
      '/v1/chat/completions',
      ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini'],
    );
    expect(statuses).toEqual([200, 200, 200]);
  });
});
