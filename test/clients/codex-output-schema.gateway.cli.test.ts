/**
 * The real Codex CLI with `--output-schema` (the Responses body carries `text.format: json_schema`
 * beside Codex's own tools, `tool_choice: "auto"`) THROUGH the gateway to each kind of upstream:
 * OpenAI's Responses (passed through) and a Chat-Completions-only server (`response_format`) answer
 * JSON; Anthropic is offered the JSON tool beside Codex's with `tool_choice: {type: any}` (Codex's
 * "auto" with an output schema: a call of Codex's tools or the answer, which is the JSON tool's call),
 * and its call of it is Codex's JSON answer; Gemini 2.5, which refuses JSON output while it may call
 * functions (400), gets the request without the JSON output and answers in text.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCodex } from '../support/clients/codex.js';
import { expectCleanRun, startDenyProxy, type DenyProxy } from '../support/clients/deny-proxy.js';
import { CLIENT_KEY, startBench, UPSTREAM_KINDS, type Bench } from '../support/clients/responses-bench.js';
import { CLIENT_HUNG_MS } from '../support/clients/run-process.js';

const MODEL = 'gpt-5.5';
const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer' } },
  required: ['city', 'population'],
  additionalProperties: false,
};

let proxy: DenyProxy;
let dir: string;
let schemaFile: string;
beforeAll(async () => {
  proxy = await startDenyProxy();
  dir = await mkdtemp(join(tmpdir(), 'sy-codex-schema-'));
  schemaFile = join(dir, 'schema.json');
  await writeFile(schemaFile, JSON.stringify(SCHEMA));
});
afterAll(async () => {
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(UPSTREAM_KINDS)('Codex CLI --output-schema through the gateway to %s', (kind) => {
  let bench: Bench;
  beforeAll(async () => void (bench = await startBench(kind, [MODEL])));
  afterEach(() => {
    bench.reset();
    proxy.attempts.length = 0;
  });
  afterAll(() => bench.close());

  it(
    'completes the turn; the answer is JSON of the schema where the upstream can give it',
    async () => {
      // Claude, offered the JSON tool, answers through it.
      bench.anthropic.setAnswerer(() => ({
        toolCalls: [{ name: 'json_response', input: { city: 'Paris', population: 2 } }],
      }));
      const run = await runCodex({
        baseUrl: bench.baseUrl,
        apiKey: CLIENT_KEY,
        prompt: 'Largest city in France?',
        args: ['--output-schema', schemaFile],
        extraEnv: proxy.env(),
        timeoutMs: CLIENT_HUNG_MS,
      });
      expectCleanRun(run, proxy);
      const calls = bench.calls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      const body = calls[0]!.body;
      switch (kind) {
        case 'openai':
          expect(body.text.format).toEqual({
            type: 'json_schema',
            name: 'codex_output_schema',
            strict: true,
            schema: SCHEMA,
          });
          break;
        case 'chat':
          expect(body.response_format).toEqual({
            type: 'json_schema',
            json_schema: { name: 'codex_output_schema', strict: true, schema: SCHEMA },
          });
          break;
        case 'anthropic':
          expect(body.tools.map((t: { name: string }) => t.name)).toContain('json_response');
          expect(body.tools.at(-1)).toMatchObject({ name: 'json_response', input_schema: SCHEMA });
          expect(body.tool_choice).toEqual({ type: 'any' });
          break;
        case 'gemini':
          expect(body.tools[0].functionDeclarations.length).toBeGreaterThan(0);
          expect(body.generationConfig).not.toHaveProperty('responseMimeType');
          expect(body.generationConfig).not.toHaveProperty('responseSchema');
          break;
      }
      if (kind === 'gemini') {
        expect(run.text).toMatch(/^gemini: [\s\S]*Largest city in France\?$/);
      } else {
        const answer = JSON.parse(run.text!);
        expect(answer).toEqual({ city: expect.any(String), population: expect.any(Number) });
        expect(Number.isInteger(answer.population)).toBe(true);
      }
    },
    CLIENT_HUNG_MS + 60_000,
  );
});
