import { parseArgs } from 'node:util';
import { maskText, maskUrl } from '@switchyard/core/config';
import { UsageError } from './arguments.js';

export const KEYS_USAGE = `  switchyard keys list [--json]                       (gateway keys of a running gateway, never the keys)
  switchyard keys create NAME [--models M,..] [--providers P,..] [--account-objects ID,..]
                              [--team T] [--owner O] [--admin]
                              [--expires-at ISO] [--budget-usd N] [--budget-period day|week|month|none]
                                                      (prints the new key once, on stdout)
  switchyard keys disable|enable|rotate|delete NAME   (rotate prints the new key)
      with [--url URL] [--key ADMIN_KEY] ($SWITCHYARD_URL, $SWITCHYARD_ADMIN_KEY)`;

class KeysError extends Error {}

/** The options each keys command takes besides `--url` and `--key`; any other is refused, never ignored. */
const COMMAND_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  list: ['json'],
  create: [
    'models',
    'providers',
    'account-objects',
    'team',
    'owner',
    'admin',
    'expires-at',
    'budget-usd',
    'budget-period',
  ],
  disable: [],
  enable: [],
  rotate: [],
  delete: [],
};

/** Refuses (exit 2, with the usage) an option or a NAME the command does not take. Unknown commands are left to keys(). */
function refuseStray(command: string, name: string | undefined, values: Record<string, unknown>): void {
  const takes = COMMAND_OPTIONS[command];
  if (!takes) return;
  if (command === 'list' && name !== undefined)
    throw new UsageError(`unexpected argument "${name}" for switchyard keys list`);
  const refused = Object.keys(values).filter(
    (option) => option !== 'url' && option !== 'key' && values[option] !== undefined && !takes.includes(option),
  );
  if (refused.length)
    throw new UsageError(`switchyard keys ${command} takes no ${refused.map((option) => `--${option}`).join(', ')}`);
}

interface Listed {
  name: string;
  source?: string;
  enabled: boolean;
  admin: boolean;
  expired: boolean;
  team?: string;
  models: string[];
  budget?: { usd: number; period?: string };
  fingerprint: string;
}

/** `switchyard keys …` (besides `hash`): the admin API of a running gateway's auth plugin. */
export async function runKeys(argv: string[]): Promise<number> {
  try {
    return await keys(argv);
  } catch (err) {
    if (!(err instanceof KeysError)) throw err;
    console.error(`switchyard keys: ${err.message}`);
    return 1;
  }
}

async function keys(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:8080' },
      key: { type: 'string' },
      json: { type: 'boolean' },
      models: { type: 'string' },
      providers: { type: 'string' },
      'account-objects': { type: 'string' },
      team: { type: 'string' },
      owner: { type: 'string' },
      admin: { type: 'boolean' },
      'expires-at': { type: 'string' },
      'budget-usd': { type: 'string' },
      'budget-period': { type: 'string' },
    },
  });
  const [command, name, extra] = positionals;
  const api = adminApi(values.url, values.key ?? process.env.SWITCHYARD_ADMIN_KEY);
  if (command === undefined) throw new KeysError(`which command?\n${KEYS_USAGE}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" for switchyard keys ${command}`);
  refuseStray(command, name, values);
  if (command === 'list') {
    const body = (await api('GET', '/admin/keys')) as { keys: Listed[]; runtimeKeys?: boolean };
    if (values.json) console.log(JSON.stringify(body, null, 2));
    else process.stdout.write(table(body.keys));
    return 0;
  }
  if (!name) throw new KeysError(`${command ?? 'a command'} needs a key NAME`);
  const path = `/admin/keys/${encodeURIComponent(name)}`;
  switch (command) {
    case 'create': {
      const created = (await api('POST', '/admin/keys', createBody(name, values))) as { key: string };
      console.error(`created key "${name}": store it now, it is not shown again`);
      console.log(created.key);
      return 0;
    }
    case 'rotate': {
      const rotated = (await api('PATCH', path, { rotate: true })) as { key: string };
      console.error(
        `rotated key "${name}": the old key is refused from now on; store the new one, it is not shown again`,
      );
      console.log(rotated.key);
      return 0;
    }
    case 'disable':
    case 'enable':
      await api('PATCH', path, { enabled: command === 'enable' });
      console.log(`key "${name}" ${command}d`);
      return 0;
    case 'delete':
      await api('DELETE', path);
      console.log(`key "${name}" deleted`);
      return 0;
    default:
      throw new KeysError(`unknown command "keys ${command}"\n${KEYS_USAGE}`);
  }
}

function createBody(name: string, v: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const list = (value: string | boolean | undefined): string[] | undefined =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined;
  const body: Record<string, unknown> = { name };
  if (list(v.models)) body.models = list(v.models);
  if (list(v.providers)) body.providers = list(v.providers);
  if (list(v['account-objects'])) body.accountObjects = list(v['account-objects']);
  for (const [option, field] of [
    ['team', 'team'],
    ['owner', 'owner'],
    ['expires-at', 'expiresAt'],
  ] as const)
    if (typeof v[option] === 'string') body[field] = v[option];
  if (v.admin) body.admin = true;
  if (v['budget-usd'] !== undefined) {
    const usd = Number(v['budget-usd']);
    if (!Number.isFinite(usd) || usd < 0)
      throw new KeysError(`--budget-usd must be a number of dollars, got "${v['budget-usd']}"`);
    body.budget = { usd, ...(typeof v['budget-period'] === 'string' ? { period: v['budget-period'] } : {}) };
  } else if (v['budget-period'] !== undefined) throw new KeysError('--budget-period needs --budget-usd');
  return body;
}

/** Calls an admin endpoint; a refusal or an unreachable gateway becomes a KeysError saying why. */
function adminApi(
  url: string,
  key: string | undefined,
): (method: string, path: string, body?: unknown) => Promise<unknown> {
  const base = url.replace(/\/+$/, '');
  return async (method, path, body) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const why =
        (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      // The URL may carry a password or a token: the message is masked like any the CLI prints.
      throw new KeysError(maskText(`cannot reach ${maskUrl(base)}: ${why}`));
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { message?: string; code?: string } } | undefined)?.error;
      throw new KeysError(`${method} ${path} answered ${res.status}${error?.message ? `: ${error.message}` : ''}`);
    }
    return parsed;
  };
}

function table(keys: readonly Listed[]): string {
  const rows = [['NAME', 'SOURCE', 'STATE', 'ADMIN', 'TEAM', 'MODELS', 'BUDGET', 'FINGERPRINT']];
  for (const k of keys) {
    const state = !k.enabled ? 'disabled' : k.expired ? 'expired' : 'enabled';
    const budget = k.budget ? `$${k.budget.usd}/${k.budget.period ?? 'month'}` : '-';
    rows.push([
      k.name,
      k.source ?? 'config',
      state,
      k.admin ? 'yes' : 'no',
      k.team ?? '-',
      k.models.join(','),
      budget,
      k.fingerprint,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}
