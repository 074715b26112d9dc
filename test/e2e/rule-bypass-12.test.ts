/**
 * What held in the twelfth rule-bypass pass (objects of the shared upstream account, and what a
 * request may read twice): a key cannot continue another key's response on an instance that keeps
 * it, nor name a conversation or a stored prompt of the account; and an object header after a `%`
 * that a string holds (not a comment) still starts an object for the page count.
 */
import { pdfPages } from '@switchyard/plugin-models/contract';
import { describe, expect, it } from 'vitest';
import { call } from '../support/rule-probes.js';
import { budgeted, k, responsesAnswer, startScriptedUpstream } from '../support/rule-probes-5.js';

async function responsesGateway() {
  const up = await startScriptedUpstream((body) =>
    responsesAnswer(body.model, [], { input_tokens: 10, output_tokens: 1 }),
  );
  const setup = await budgeted({
    keys: [
      { name: 'alice', key: k('alice') },
      { name: 'bob', key: k('bob') },
    ],
    catalog: { 'gpt-x': { contextWindow: 200_000 } },
    providers: [
      {
        name: 'o',
        type: 'openai',
        baseUrl: up.baseUrl,
        apiKey: 'openai-upstream-test-credential',
        models: ['gpt-x'],
        responsesApi: true,
      },
    ],
  });
  return { up, gw: setup.gw, close: async () => (await setup.gw.close(), await up.close()) };
}

describe('objects of the upstream account the Responses protocol already guards', () => {
  it("another key's response id is not found, and never sent upstream", async () => {
    const { up, gw, close } = await responsesGateway();
    try {
      const first = await call(`${gw.url}/v1/responses`, k('alice'), { model: 'gpt-x', input: 'the payroll is 42' });
      expect(first.status).toBe(200);
      const res = await call(`${gw.url}/v1/responses`, k('bob'), {
        model: 'gpt-x',
        input: 'what did I just say?',
        previous_response_id: first.json.id,
      });
      expect({ status: res.status, code: res.json.error.code }).toEqual({
        status: 400,
        code: 'previous_response_not_found',
      });
      expect(up.received).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('a conversation or a stored prompt of the account is refused before the upstream', async () => {
    const { up, gw, close } = await responsesGateway();
    try {
      for (const [field, extra] of [
        ['conversation', { conversation: 'conv_payroll' }],
        ['prompt', { prompt: { id: 'pmpt_payroll', version: '1' } }],
      ] as const) {
        const res = await call(`${gw.url}/v1/responses`, k('alice'), { model: 'gpt-x', input: 'go on', ...extra });
        expect({ field, status: res.status, param: res.json.error.param }).toEqual({
          field,
          status: 400,
          param: field,
        });
      }
      expect(up.received).toHaveLength(0);
    } finally {
      await close();
    }
  });
});

describe("a PDF's object header after a string holding a `%`", () => {
  it('still starts an object: the inner page tree node it heads is walked', () => {
    const numbers = Array.from({ length: 50 }, (_, i) => 10 + i);
    const leaves = numbers.map((n) => `${n} 0 obj<</Parent 4 0 R /MediaBox [0 0 612 792]>>endobj\n`).join('');
    let pdf = '%PDF-1.5\n1 0 obj 50 endobj\n2 0 obj<</Type /Catalog /Pages 3 0 R>>endobj\n';
    pdf += '3 0 obj<</Type /Pages /Count 1 0 R /Kids [4 0 R]>>endobj\n';
    // A reader sees object 4 here: the `%` is inside the string `(100%)`, no comment.
    pdf += `5 0 obj<</Title (100%)>>endobj 4 0 obj<</Type /Pages /Parent 3 0 R /Count 1 0 R /Kids [${numbers.map((n) => `${n} 0 R`).join(' ')}]>>endobj\n`;
    pdf += `${leaves}trailer<</Root 2 0 R>>\n%%EOF\n`;
    expect(pdfPages(Buffer.from(pdf, 'latin1').toString('base64'))).toBeGreaterThanOrEqual(50);
  });
});
