import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '@switchyard/core';
import type { ProviderInstance, Target } from '@switchyard/core';
import {
  bytesWithoutSecrets,
  scrubbed,
  tooLongInStream,
  upstreamError,
  withoutSecrets,
} from '../../core/dist/upstream/upstream-error.js';

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

describe("an upstream's refusal of a prompt too long for the model: what its provider says, core reads no words", () => {
  const target = { id: 'u/m', instance, model: 'm' } as unknown as Target;

  it("is the caller's context_length_exceeded when the provider's classifyError says so (`tooLong`)", () => {
    const info = {
      outcome: 'business_error' as const,
      message: 'too long for us',
      code: 'over',
      tooLong: { maximum: 5 },
    };
    expect(upstreamError(info, 400, target, undefined)).toMatchObject({
      code: 'SWITCHYARD_ERR_UPSTREAM_BUSINESS',
      status: 400,
      publicCode: 'context_length_exceeded',
      type: 'invalid_request_error',
      tooLong: { maximum: 5 },
    });
  });

  it('passes as it came from a provider that sets no `tooLong`, whatever its words', () => {
    const info = { outcome: 'business_error' as const, message: 'prompt is too long: 9 tokens > 5 maximum', code: 'x' };
    expect(upstreamError(info, 422, target, undefined)).toMatchObject({
      status: 422,
      publicCode: 'x',
      message: 'prompt is too long: 9 tokens > 5 maximum',
      tooLong: undefined,
    });
  });

  it("reads a stream's error event as one only when its observer noted `tooLong`", () => {
    const error = 'Your input exceeds the context window of this model.';
    expect(tooLongInStream({ events: 2, done: false, error }, target)).toBe(undefined);
    expect(tooLongInStream({ events: 2, done: false, error, tooLong: {} }, target)).toMatchObject({
      publicCode: 'context_length_exceeded',
      message: error,
      tooLong: {},
    });
  });
});
