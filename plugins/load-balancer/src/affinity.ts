import { hash } from 'node:crypto';

/** Where a request's affinity key comes from. */
export type AffinitySource = 'caller' | 'header' | 'user' | 'prompt';

/** What affinity reads of a request (core's Exchange satisfies it). */
export interface AffinityInput {
  readonly caller: { readonly name: string } | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly request: { readonly messages?: readonly unknown[]; readonly tools?: unknown } | undefined;
}

export interface AffinitySettings {
  /** Tried in order; the first that yields a value wins. */
  readonly sources: readonly AffinitySource[];
  /** The session header, lower case. */
  readonly header: string;
  /** Non-system messages included in the prompt-prefix hash. */
  readonly promptMessages: number;
}

const MAX_VALUE = 512;

/**
 * The request's affinity key, `source:hash`, or undefined when no source yields one.
 * Values are hashed: the key is safe to log and to store, and the same for equal inputs.
 */
export function affinityKey(x: AffinityInput, settings: AffinitySettings): string | undefined {
  for (const source of settings.sources) {
    const value = read(source, x, settings);
    if (value !== undefined) return `${source}:${digest(value)}`;
  }
  return undefined;
}

function read(source: AffinitySource, x: AffinityInput, settings: AffinitySettings): string | undefined {
  switch (source) {
    case 'caller':
      return x.caller?.name || undefined;
    case 'header': {
      const raw = x.headers[settings.header];
      const value = Array.isArray(raw) ? raw[0] : raw;
      return value ? value.slice(0, MAX_VALUE) : undefined;
    }
    case 'user': {
      const metadata = x.body.metadata as { user_id?: unknown } | undefined;
      const user =
        typeof x.body.user === 'string'
          ? x.body.user
          : typeof metadata?.user_id === 'string'
            ? metadata.user_id
            : undefined;
      return user ? user.slice(0, MAX_VALUE) : undefined;
    }
    case 'prompt':
      return promptPrefix(x.request, settings.promptMessages);
  }
}

/**
 * System messages, tools and the first non-system messages, as one string: what callers sharing
 * a long prompt share, and what stays the same as a conversation grows.
 */
export function promptPrefix(request: AffinityInput['request'], firstMessages: number): string | undefined {
  const messages = request?.messages;
  if (!messages || messages.length === 0) return undefined;
  let system = '';
  let first = '';
  let taken = 0;
  for (const m of messages) {
    const { role, content } = m as { role?: unknown; content?: unknown };
    const piece = `${String(role)}\u0000${typeof content === 'string' ? content : JSON.stringify(content ?? null)}\u0001`;
    if (role === 'system' || role === 'developer') system += piece;
    else if (taken++ < firstMessages) first += piece;
    else break;
  }
  return `${system}\u0002${request.tools === undefined ? '' : JSON.stringify(request.tools)}\u0002${first}`;
}

function digest(value: string): string {
  return hash('sha256', value, 'base64url').slice(0, 22);
}
