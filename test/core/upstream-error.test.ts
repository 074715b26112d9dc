import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '@switchyard/core';
import type { ProviderInstance } from '@switchyard/core';
import { bytesWithoutSecrets, scrubbed, withoutSecrets } from '../../core/dist/upstream/upstream-error.js';

const KEY = 'Zq9xLocalVllmToken0123456789';
const instance = {
  name: 'u',
  baseUrl: 'https://proxy-user:proxy-pass-9876@llm.example.invalid/v1?api-key=query-secret-5555',
  apiKey: KEY,
  headers: { 'x-api-secret': 'header-secret-4444' },
} as unknown as ProviderInstance;

describe("an upstream's words, without the instance's credentials", () => {
  it('cuts the key, the base URL userinfo and secret query values, and secret headers out of a text', () => {
    const text = `bad key ${KEY}; user proxy-user:proxy-pass-9876; query-secret-5555; header-secret-4444`;
    const clean = withoutSecrets(text, instance);
    for (const secret of [KEY, 'proxy-pass-9876', 'query-secret-5555', 'header-secret-4444'])
      expect(clean).not.toContain(secret);
    expect(clean).toContain('bad key ****');
  });

  it("scrubs an error's message and its stack, which was written with the message in it", () => {
    const error = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', `u/m: Incorrect API key provided: ${KEY}`);
    expect(error.stack).toContain(KEY);
    expect(scrubbed(error, instance)).toBe(error);
    expect(error.message).toBe('u/m: Incorrect API key provided: ****');
    expect(error.stack).not.toContain(KEY);
  });

  it('leaves an error without secrets as it was', () => {
    const error = new SwitchyardError('SWITCHYARD_ERR_UPSTREAM_FAILED', 'u/m: overloaded');
    const stack = error.stack;
    scrubbed(error, instance);
    expect({ message: error.message, stack: error.stack }).toEqual({ message: 'u/m: overloaded', stack });
  });

  it("cuts them out of a whole answer's bytes, and hands back the same bytes when it quotes none", () => {
    const quoting = Buffer.from(`{"error":{"message":"bad key ${KEY} (proxy-pass-9876) — é"}}`);
    expect(bytesWithoutSecrets(quoting, instance).toString()).toBe('{"error":{"message":"bad key **** (****) — é"}}');
    const plain = Buffer.from('{"choices":[{"message":{"content":"é ok"}}]}');
    expect(bytesWithoutSecrets(plain, instance)).toBe(plain);
  });
});
