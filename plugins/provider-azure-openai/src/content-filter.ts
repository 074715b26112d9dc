/**
 * Azure OpenAI's content filter, read from its answers. Pure.
 *
 * A prompt the filter blocks is a 400 with `code: content_filter` and the categories in
 * `innererror.content_filter_result`; an answer it cuts short is a 200 whose choice ends with
 * `finish_reason: content_filter` and carries `content_filter_results`.
 */

type Categories = Record<string, { filtered?: boolean; severity?: string; detected?: boolean } | undefined>;

/** `violence (medium), jailbreak (detected)`: the categories that were filtered or detected. */
export function describeFilter(result: Categories | undefined): string {
  const hits = Object.entries(result ?? {}).flatMap(([name, r]) => {
    if (!r || typeof r !== 'object' || !(r.filtered || r.detected)) return [];
    return [`${name} (${r.severity ?? (r.detected ? 'detected' : 'filtered')})`];
  });
  return hits.join(', ') || 'unspecified categories';
}

interface AzureErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    param?: unknown;
    innererror?: { code?: unknown; content_filter_result?: Categories };
  };
}

/**
 * The caller's message for a prompt blocked by the content filter, or undefined when the body is
 * not one: what was filtered in words, then the filter's own annotations as JSON, unchanged.
 */
export function promptFilterMessage(body: string): string | undefined {
  let parsed: AzureErrorBody;
  try {
    parsed = JSON.parse(body) as AzureErrorBody;
  } catch {
    return undefined;
  }
  const error = parsed.error;
  if (error?.code !== 'content_filter') return undefined;
  const result = error.innererror?.content_filter_result;
  const what = `Azure OpenAI's content filter blocked the prompt: ${describeFilter(result)}`;
  return result ? `${what}. content_filter_result=${JSON.stringify(result)}` : what;
}

/** The warning for an answer the filter cut short (its choice's content_filter_results). */
export function outputFilterWarning(results: unknown): string {
  return `Azure OpenAI's content filter cut the answer short: ${describeFilter(results as Categories)}`;
}
