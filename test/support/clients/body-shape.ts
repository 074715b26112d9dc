/**
 * What of a client's request body must reach the upstream unchanged through the gateway, for
 * comparing a run through the gateway with the same client run straight against the upstream:
 * every top-level field but the conversation, by value (tools whole, with their schemas), and the
 * conversation's turns by role, item type and part types, with the system / developer and user
 * turns whole. Masked: the ids the upstream made up (tool calls), different on every run.
 */

/** Ids the upstream makes up (tool calls). */
const ID_KEYS = ['id', 'call_id', 'tool_call_id', 'tool_use_id'];

export interface BodyShapeOptions {
  /** Top-level fields left out besides the conversation (e.g. `model`, when the runs name it differently). */
  omit?: readonly string[];
  /** Top-level fields compared by type only (e.g. a session id the client makes anew each run). */
  byType?: readonly string[];
  /** More keys whose string values are masked anywhere (e.g. encrypted reasoning, signatures). */
  mask?: readonly string[];
  /** A date the client's system prompt carries, masked: two runs may straddle midnight. */
  date?: RegExp;
}

export function bodyShape(body: any, options: BodyShapeOptions = {}): unknown {
  const turns: any[] = body.input ?? body.messages ?? [];
  const left = new Set(['input', 'messages', ...(options.omit ?? [])]);
  const byType = new Set(options.byType ?? []);
  const fields = Object.fromEntries(
    Object.entries(body as Record<string, unknown>)
      .filter(([key]) => !left.has(key))
      .map(([key, value]) => [key, byType.has(key) ? typeof value : value]),
  );
  const shape = {
    fields,
    turns: turns.map((t) =>
      [t.type, t.role, Array.isArray(t.content) ? t.content.map((c: any) => c.type) : typeof t.content].filter(
        (x) => x !== undefined,
      ),
    ),
    texts: turns.filter((t) => t.role === 'developer' || t.role === 'system' || t.role === 'user'),
  };
  const masked = new Set([...ID_KEYS, ...(options.mask ?? [])]);
  const text = JSON.stringify(shape, (key, value: unknown) =>
    masked.has(key) && typeof value === 'string' ? '<masked>' : value,
  );
  return JSON.parse(options.date ? text.replace(new RegExp(options.date, 'g'), '<date>') : text);
}
