import { api, ApiError } from '../api.js';
import { Failure, Loading, Note } from '../components.js';
import * as f from '../format.js';
import { usePoll } from '../poll.js';
import type { EffectiveConfig, KeyListing, Keys, KeyUsage, Limits } from '../types.js';

interface RateLimitSection {
  keys?: Record<string, Limits>;
  defaults?: Limits;
}

interface KeyRow {
  key: KeyListing;
  limits: Limits | undefined;
  /** Where the limits come from, as the rate limiter decides: its own section, the key, its defaults. */
  source: string;
  usage: KeyUsage | undefined;
}

interface Loaded {
  rows: KeyRow[] | undefined;
  rateLimited: boolean;
}

/** GET /admin/keys (auth plugin), limits as the rate limiter applies them, usage from GET /admin/rate-limit/keys/:name. */
async function load(): Promise<Loaded> {
  const [keys, config] = await Promise.all([
    api<Keys>('/admin/keys').catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }),
    api<EffectiveConfig>('/admin/config'),
  ]);
  const section = config.config.plugins['rate-limit'];
  const rateLimit = section && typeof section === 'object' ? (section as RateLimitSection) : undefined;
  if (!keys) return { rows: undefined, rateLimited: rateLimit !== undefined };
  const rows = await Promise.all(
    keys.keys.map(async (key): Promise<KeyRow> => {
      const [limits, source] = rateLimit?.keys?.[key.name]
        ? [rateLimit.keys[key.name], 'rate-limit section']
        : key.limits
          ? [key.limits, 'key']
          : rateLimit?.defaults
            ? [rateLimit.defaults, 'rate-limit defaults']
            : [undefined, ''];
      const usage = rateLimit
        ? await api<KeyUsage>(`/admin/rate-limit/keys/${encodeURIComponent(key.name)}`).catch(() => undefined)
        : undefined;
      return { key, limits, source, usage };
    }),
  );
  return { rows, rateLimited: rateLimit !== undefined };
}

/** Gateway keys (names and hash fingerprints only), their limits and current usage. */
export function KeysView({ refreshMs }: { refreshMs: number }) {
  const { data, error } = usePoll(load, refreshMs);
  if (!data) return error ? <Failure error={error} what="keys" /> : <Loading />;
  return (
    <section>
      <h1>Gateway keys</h1>
      <p class="caption">
        Keys are never shown: each is known by its name and the start of its sha256 hash (what{' '}
        <code>switchyard keys hash</code> prints).
      </p>
      {error ? <Failure error={error} what="the latest usage" /> : null}
      {!data.rows ? (
        <Note>The auth plugin is not installed.</Note>
      ) : data.rows.length === 0 ? (
        <Note>
          No gateway keys are configured: every caller is let in, the gateway listens on loopback only, and admin pages
          answer loopback callers only.
        </Note>
      ) : (
        <div class="scroll">
          <table class="grid" data-testid="keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Fingerprint</th>
                <th>Status</th>
                <th>Team / owner</th>
                <th>Models</th>
                <th>Requests / min</th>
                <th>Tokens / min</th>
                <th>Tokens / day</th>
                <th>Concurrent</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map(({ key, limits, source, usage }) => (
                <tr key={key.name} data-testid="key-row" data-name={key.name}>
                  <td class="name">
                    {key.name}
                    {key.admin ? <span class="badge admin">admin</span> : null}
                  </td>
                  <td>
                    <code data-field="fingerprint">{key.fingerprint}…</code>
                  </td>
                  <td data-field="status">{status(key)}</td>
                  <td>{[key.team, key.owner].filter(Boolean).join(' / ') || f.DASH}</td>
                  <td>
                    {key.models.join(', ') || 'none'}
                    {key.providers ? <div class="hint">providers: {key.providers.join(', ')}</div> : null}
                  </td>
                  <Usage reading={usage?.requests.used} limit={limits?.requestsPerMinute} field="requests" />
                  <Usage reading={usage?.tokens.used} limit={limits?.tokensPerMinute} field="tokens" />
                  <Usage reading={usage?.daily.used} limit={limits?.tokensPerDay} field="daily" />
                  <Usage
                    reading={usage?.concurrent.used}
                    limit={limits?.concurrent}
                    field="concurrent"
                    hint={source ? `limits from the ${source}` : undefined}
                  />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.rows && !data.rateLimited ? (
        <Note>The rate-limit plugin is not installed: no usage is counted.</Note>
      ) : null}
    </section>
  );
}

function status(key: KeyListing): string {
  if (!key.enabled) return 'disabled';
  if (key.expired) return `expired ${key.expiresAt ?? ''}`.trim();
  return key.expiresAt ? `active until ${key.expiresAt}` : 'active';
}

function Usage({
  reading,
  limit,
  field,
  hint,
}: {
  reading: number | undefined;
  limit: number | undefined;
  field: string;
  hint?: string | undefined;
}) {
  const used = reading === undefined ? f.DASH : f.count(reading);
  const full = reading !== undefined && limit !== undefined && limit > 0 && reading >= limit;
  return (
    <td class={`num${full ? ' bad' : ''}`} data-field={field} title={hint}>
      {used}
      <span class="hint"> / {limit === undefined ? '∞' : f.count(limit)}</span>
    </td>
  );
}
