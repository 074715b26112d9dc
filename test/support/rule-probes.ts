/** What the rule-bypass suites send and read: one request as a caller holding `key` (or none) would send it. */

export interface Answer {
  status: number;
  json: any;
  text: string;
  headers: Record<string, string>;
}

/** A request with a gateway key as Bearer (or none), JSON and Anthropic's version header; GET without a body. */
export async function call(
  url: string,
  key: string | null,
  body?: unknown,
  {
    method = body === undefined ? 'GET' : 'POST',
    headers = {},
  }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: Object.fromEntries(res.headers) };
}

/** A one-message Chat Completions body. */
export const chat = (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

/** A key's budget as `/admin/budgets` shows it to `adminKey` (nothing spent when it has none yet). */
export async function budgetOf(
  gatewayUrl: string,
  adminKey: string,
  name: string,
): Promise<{ spentUsd: number; reservedUsd: number }> {
  const { json } = await call(`${gatewayUrl}/admin/budgets`, adminKey);
  return json.budgets.find((b: { scope: string }) => b.scope === `key:${name}`) ?? { spentUsd: 0, reservedUsd: 0 };
}
