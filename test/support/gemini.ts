import type { ProviderInput } from '@switchyard/core/config';

/** A `type: gemini` provider entry pointing at a mock. */
export function geminiProvider(name: string, origin: string, extra: Record<string, unknown> = {}): ProviderInput {
  return {
    name,
    type: 'gemini',
    baseUrl: origin,
    apiKey: `AIza-upstream-secret-${name}-0123456789`,
    ...extra,
  } as ProviderInput;
}

/** A 1×1 PNG. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
