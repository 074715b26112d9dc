/**
 * Anthropic's advisor tool for a budgeted key: each advisor call (another model reading the whole
 * transcript, reported in `usage.iterations` as an `advisor_message` of its model) is charged at the
 * advisor model's catalog price, the rest at the request model's; the reservation holds every call
 * the tool allows at the advisor model's window and output limit. Before, the advisor was an
 * unpriced fee: refused to a budgeted key under `unpriced: deny` (Claude Code's /advisor failed),
 * its tokens charged at the request model's price under `free`.
 */
import { describe, expect, it } from 'vitest';
import { startMockAnthropic } from '../support/mock-anthropic.js';
import { call } from '../support/rule-probes.js';
import { budgeted, k } from '../support/rule-probes-5.js';

const SONNET = { input: 3, output: 15 };
const OPUS = { input: 5, output: 25 };
const catalog = {
  'claude-sonnet-4-6': { pricing: SONNET, contextWindow: 200_000, maxOutputTokens: 64_000 },
  'claude-opus-4-6': { pricing: OPUS, contextWindow: 200_000, maxOutputTokens: 32_000 },
};
const BETA = { headers: { 'anthropic-beta': 'advisor-tool-2026-03-01' } };

const advised = (stream: boolean, tool: Record<string, unknown> = { max_uses: 1 }) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 100,
  stream,
  messages: [{ role: 'user', content: 'plan the refactor of the billing module' }],
  tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-4-6', ...tool }],
});

type Counts = {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
};
const prompt = (u: Counts): number =>
  (u.input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);

/** The usage an answer reported: a message's, or a stream's last message_delta's. */
function usageOf(answer: { json: any; text: string }): Counts & { iterations: Array<Counts & { type: string }> } {
  if (answer.json) return answer.json.usage;
  const deltas = answer.text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)))
    .filter((event) => event.type === 'message_delta');
  return deltas.at(-1).usage;
}

/** What Anthropic bills the usage: the top-level counts at Sonnet's price, each advisor iteration at Opus's (no cache prices set: every prompt token at the input price). */
function billed(usage: ReturnType<typeof usageOf>): number {
  const advice = usage.iterations.filter((it) => it.type === 'advisor_message');
  expect(advice).toHaveLength(1);
  const own = prompt(usage) * SONNET.input + usage.output_tokens! * SONNET.output;
  const adv = advice.reduce((usd, it) => usd + prompt(it) * OPUS.input + it.output_tokens! * OPUS.output, 0);
  return (own + adv) / 1e6;
}

async function gatewayWith(keys: object[], budgets: Record<string, unknown> = {}) {
  const ant = await startMockAnthropic({ name: 'ant' });
  ant.setAnswerer(() => ({ text: 'done', advisor: { text: 'split the module first', outputTokens: 1500 } }));
  const setup = await budgeted({
    keys,
    catalog,
    providers: [{ name: 'ant', type: 'anthropic', baseUrl: ant.baseUrl, apiKey: 'ant-upstream-test-credential' }],
    budgets,
  });
  return { ant, ...setup };
}

async function spentBy(gwUrl: string, name: string): Promise<number> {
  const { json } = await call(`${gwUrl}/admin/budgets`, k('ops'));
  return json.budgets.find((b: { scope: string }) => b.scope === `key:${name}`)?.spentUsd ?? 0;
}

describe('the advisor tool for a budgeted key', () => {
  for (const stream of [false, true])
    it(`${stream ? 'a stream' : 'an answer'}: charged each model's tokens at its own price`, async () => {
      const { ant, gw, finished } = await gatewayWith([
        { name: 'adv', key: k('adv'), budget: { usd: 10, period: 'day' } },
      ]);
      try {
        const res = await call(`${gw.url}/v1/messages`, k('adv'), advised(stream), BETA);
        // Was 400: the advisor tool was an unpriced fee, refused under unpriced: deny.
        expect(res.status, res.text).toBe(200);
        await finished.next();
        const usage = usageOf(res);
        const usd = billed(usage);
        expect(usd).toBeGreaterThan(0.0075); // the advisor's 1,500 output tokens at Opus's $25 alone
        expect(await spentBy(gw.url, 'adv')).toBeCloseTo(usd, 9);
        // The spend records list the advisor's cost under its model.
        const advice = usage.iterations.find((it) => it.type === 'advisor_message')!;
        const { json } = await call(`${gw.url}/admin/spend?key=adv`, k('ops'));
        const opus = json.rows.find((r: { model: string }) => r.model === 'claude-opus-4-6');
        expect(opus?.usd).toBeCloseTo((prompt(advice) * OPUS.input + advice.output_tokens! * OPUS.output) / 1e6, 9);
      } finally {
        await gw.close();
        await ant.close();
      }
    });

  it('under unpriced: free, the advisor tokens are no longer charged at the request model price', async () => {
    const { ant, gw, finished } = await gatewayWith(
      [{ name: 'advf', key: k('advf'), budget: { usd: 10, period: 'day' } }],
      { unpriced: 'free' },
    );
    try {
      const res = await call(`${gw.url}/v1/messages`, k('advf'), advised(false), BETA);
      expect(res.status, res.text).toBe(200);
      await finished.next();
      // Was the advisor's tokens at Sonnet's $3 / $15.
      expect(await spentBy(gw.url, 'advf')).toBeCloseTo(billed(usageOf(res)), 9);
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('a budget that cannot hold the advisor calls is refused with 402 before any upstream call', async () => {
    // Reserved: Sonnet's window at $3 twice (the answer resumes after the call: a second sampling)
    // and 100 output tokens at $15 ($1.2015), and one advisor call reading Opus's 200,000-token
    // window at $5 and writing its 32,000 at $25 ($1.8): $3.0015.
    const { ant, gw } = await gatewayWith([
      { name: 'small', key: k('small'), budget: { usd: 2, period: 'day' } },
      { name: 'room', key: k('room'), budget: { usd: 3.01, period: 'day' } },
    ]);
    try {
      const refused = await call(`${gw.url}/v1/messages`, k('small'), advised(false), BETA);
      // Was 400 (unpriced fee); counting the executor alone it would fit ($0.6015).
      expect({ status: refused.status, sent: ant.requests.length }).toEqual({ status: 402, sent: 0 });
      expect(refused.json.error.message).toContain('may cost up to $3.00;');
      const fits = await call(`${gw.url}/v1/messages`, k('room'), advised(false), BETA);
      expect(fits.status, fits.text).toBe(200);
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('an advisor tool without max_uses is reserved and sent 3 calls; one whose max_tokens is set, that output per call', async () => {
    // Three calls at $1.8 beside the executor's four samplings ($2.4015): $7.8015, over a $7.80 budget.
    const { ant, gw, finished } = await gatewayWith([
      { name: 'open', key: k('open'), budget: { usd: 7.8, period: 'day' } },
      { name: 'wide', key: k('wide'), budget: { usd: 7.81, period: 'day' } },
      { name: 'capped', key: k('capped'), budget: { usd: 5.5, period: 'day' } },
    ]);
    try {
      const open = await call(`${gw.url}/v1/messages`, k('open'), advised(false, {}), BETA);
      expect({ status: open.status, sent: ant.requests.length }).toEqual({ status: 402, sent: 0 });
      const wide = await call(`${gw.url}/v1/messages`, k('wide'), advised(false, {}), BETA);
      expect(wide.status, wide.text).toBe(200);
      await finished.next();
      expect(ant.requests[0]!.body.tools[0].max_uses).toBe(3);
      expect(wide.headers['x-switchyard-warnings']).toContain('advisor calls limited to 3');
      // max_tokens 2,048 per call: 3 × ($1 + $0.0512) + $2.4015 = $5.5551, over $5.5; max_uses 2: $3.9039.
      const capped = await call(`${gw.url}/v1/messages`, k('capped'), advised(false, { max_tokens: 2048 }), BETA);
      expect(capped.status).toBe(402);
      const two = await call(
        `${gw.url}/v1/messages`,
        k('capped'),
        advised(false, { max_tokens: 2048, max_uses: 2 }),
        BETA,
      );
      expect(two.status, two.text).toBe(200);
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('an advisor model of no known price is still refused under unpriced: deny', async () => {
    const { ant, gw } = await gatewayWith([{ name: 'unk', key: k('unk'), budget: { usd: 100, period: 'day' } }]);
    try {
      const res = await call(
        `${gw.url}/v1/messages`,
        k('unk'),
        advised(false, { model: 'claude-unlisted-advisor', max_uses: 1 }),
        BETA,
      );
      expect({ status: res.status, sent: ant.requests.length }).toEqual({ status: 400, sent: 0 });
      expect(res.json.error.message).toContain('no price known for the advisor_20260301 tool');
      expect(res.json.error.message).toContain('claude-unlisted-advisor');
    } finally {
      await gw.close();
      await ant.close();
    }
  });

  it('a key without a budget is unaffected: served, its tool sent as given', async () => {
    const { ant, gw } = await gatewayWith([{ name: 'free', key: k('free') }]);
    try {
      const res = await call(`${gw.url}/v1/messages`, k('free'), advised(false, {}), BETA);
      expect(res.status, res.text).toBe(200);
      expect(ant.requests[0]!.body.tools[0]).not.toHaveProperty('max_uses');
      expect(res.headers['x-switchyard-warnings'] ?? '').not.toContain('advisor');
    } finally {
      await gw.close();
      await ant.close();
    }
  });
});

describe('the advisor tool against tokens per minute', () => {
  it("is counted at admission at each call's advisor window and output: refused once the minute holds anything", async () => {
    // Admission: Sonnet's 200,000-token window and 100 output tokens, and one advisor call reading
    // Opus's 200,000 and writing its 32,000: 432,100 tokens, over the 300,000 a minute.
    const { ant, gw, finished } = await gatewayWith([
      { name: 'tpm', key: k('tpm'), limits: { tokensPerMinute: 300_000 } },
    ]);
    try {
      const plain = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
      const first = await call(`${gw.url}/v1/messages`, k('tpm'), plain);
      expect(first.status, first.text).toBe(200);
      await finished.next();
      const res = await call(`${gw.url}/v1/messages`, k('tpm'), advised(false), BETA);
      // Was 200 (sent: 2): admitted at the executor's window alone (200,100 tokens).
      expect({ status: res.status, sent: ant.requests.length }).toEqual({ status: 429, sent: 1 });
      expect(res.json.error.message).toContain("its advisor tool's model up to its own at each call");
    } finally {
      await gw.close();
      await ant.close();
    }
  });
});
