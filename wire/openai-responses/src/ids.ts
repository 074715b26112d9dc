import { randomBytes } from 'node:crypto';

/** An id in OpenAI's style: `prefix_` and 48 hex digits (`resp_…`, `msg_…`, `rs_…`, `fc_…`, `ctc_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
