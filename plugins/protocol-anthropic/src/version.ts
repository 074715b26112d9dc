import type { IncomingHttpHeaders } from 'node:http';
import { SwitchyardError } from '@switchyard/core';

/** The `anthropic-version` values Anthropic's API knows (and the Messages codec speaks). */
export const ANTHROPIC_VERSIONS: readonly string[] = ['2023-01-01', '2023-06-01', '2026-10-21'];

/**
 * Refuses an `anthropic-version` header Anthropic's API would refuse, with the 400 it answers.
 * A request without the header is served (as the version the upstream instance is configured with).
 */
export function checkAnthropicVersion(headers: IncomingHttpHeaders): void {
  const version = headers['anthropic-version'];
  if (version === undefined || ANTHROPIC_VERSIONS.includes(version as string)) return;
  const shown = JSON.stringify(String(version).slice(0, 40));
  throw new SwitchyardError(
    'SWITCHYARD_ERR_INVALID_REQUEST',
    `anthropic-version: unknown version ${shown} (known: ${ANTHROPIC_VERSIONS.join(', ')})`,
    {
      param: 'anthropic-version',
      publicCode: 'invalid_request',
    },
  );
}
