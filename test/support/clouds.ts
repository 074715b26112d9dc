import type { ProviderInput } from '@switchyard/core/config';

/** Test credentials of the cloud mocks: made-up, never real. */
export const AWS_KEY = {
  accessKeyId: 'TESTSWITCHYARDKEY001',
  secretAccessKey: 'test-secret-access-key-0123456789abcdefghij',
};
export const AWS_REGION = 'us-east-1';

/** A `type: bedrock` provider entry pointing at a mock, signing with AWS_KEY. */
export function bedrockProvider(name: string, origin: string, extra: Record<string, unknown> = {}): ProviderInput {
  return { name, type: 'bedrock', baseUrl: origin, region: AWS_REGION, ...AWS_KEY, ...extra } as ProviderInput;
}

/** A 1×1 PNG. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** A tiny PDF, base64. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64');
