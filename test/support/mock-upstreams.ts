import { afterAll, afterEach, beforeAll } from 'vitest';
import { startMockOpenAI } from './mock-openai.js';
import type { MockOpenAI } from './mock-openai.js';

/**
 * Mock OpenAI upstreams named `names` for one test file: started before its tests (then handed
 * to `use`), reset after each test, closed after the last.
 */
export function useMockOpenAIs<N extends string>(
  names: readonly N[],
  use: (mocks: Readonly<Record<N, MockOpenAI>>) => void,
): void {
  const mocks = {} as Record<N, MockOpenAI>;
  beforeAll(async () => {
    for (const name of names) mocks[name] = await startMockOpenAI({ name });
    use(mocks);
  });
  afterEach(() => {
    for (const name of names) mocks[name]?.reset();
  });
  afterAll(async () => {
    await Promise.all(names.map((name) => mocks[name]?.close()));
  });
}
