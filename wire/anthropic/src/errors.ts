import { defaultClassifyError } from '@switchyard/core/provider';
import type { UpstreamErrorInfo } from '@switchyard/core/provider';

/** Anthropic errors: `{"type":"error","error":{"type","message"}}`; 529 overloaded is a failure (failover). */
export function classifyAnthropicError(status: number, body: string): UpstreamErrorInfo {
  const info = defaultClassifyError(status, body);
  if (status === 529 || info.type === 'overloaded_error') info.outcome = 'failure';
  return info;
}
