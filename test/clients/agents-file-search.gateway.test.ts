/**
 * The OpenAI Agents SDK, unmodified, on the Responses API: an agent with `fileSearchTool` (a
 * Responses `file_search` tool naming a vector store of the upstream account) THROUGH the gateway
 * to OpenAI's Responses API (passed through). A key whose `accountObjects` does not list the store
 * gets the gateway's 403 as the SDK's own error, readable (the field and how to allow it), with
 * nothing sent upstream; a key listing it gets its answer, the tool passed on.
 */
import { Agent, OpenAIProvider, Runner, fileSearchTool } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardFetch, type FetchGuard } from '../support/clients/fetch-guard.js';
import { CLIENT_KEY, startBench } from '../support/clients/responses-bench.js';

const MODEL = 'gpt-5.6-luna';
const STORE = 'vs_team_handbook';

let guard: FetchGuard;
beforeAll(() => void (guard = guardFetch()));
afterAll(() => guard.restore());

/** Runs an agent searching STORE through a bench whose client key lists `accountObjects`. */
async function searchThrough(accountObjects: string[]) {
  const bench = await startBench('openai', [MODEL], {
    config: { plugins: { auth: { keys: [{ name: 'client', key: CLIENT_KEY, accountObjects }] } } },
  });
  const agent = new Agent({
    name: 'Handbook agent',
    instructions: 'Answer from the handbook.',
    model: MODEL,
    tools: [fileSearchTool([STORE])],
  });
  const provider = new OpenAIProvider({ apiKey: CLIENT_KEY, baseURL: bench.baseUrl, useResponses: true });
  try {
    const outcome = await new Runner({ modelProvider: provider, tracingDisabled: true })
      .run(agent, 'How many vacation days do we get?')
      .then(
        (result) => ({ output: result.finalOutput, error: undefined }),
        (error: unknown) => ({ output: undefined, error: error as Error & { status?: number } }),
      );
    return { ...outcome, calls: bench.calls() };
  } finally {
    await provider.close();
    await bench.close();
  }
}

describe('Agents SDK fileSearchTool through the gateway to OpenAI', () => {
  it('a key not allowed the vector store: the SDK throws the refusal, naming the field and the way to allow it', async () => {
    const { error, calls } = await searchThrough([]);
    expect(error?.status).toBe(403);
    expect(error?.message).toContain('tools.vector_store_ids');
    expect(error?.message).toContain(STORE);
    expect(error?.message).toContain('accountObjects');
    expect(calls).toHaveLength(0);
  });

  it('a key listing it: answered, the tool sent as the SDK wrote it', async () => {
    const { output, error, calls } = await searchThrough([STORE]);
    expect(error).toBeUndefined();
    expect(typeof output).toBe('string');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body.tools).toContainEqual(
      expect.objectContaining({ type: 'file_search', vector_store_ids: [STORE] }),
    );
  });
});
