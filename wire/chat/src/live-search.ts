/**
 * xAI's Live Search field (`search_parameters`, sent by Grok CLI on every call, `mode: "off"` for
 * models not named grok), dropped with a warning: OpenAI and Azure OpenAI refuse the unknown field,
 * and xAI itself now answers it with 410 Gone (Live Search retired), so no upstream serves it.
 */
export function withoutLiveSearch(body: { search_parameters?: unknown }, warn: (m: string) => void): void {
  if (body.search_parameters === undefined) return;
  const mode = (body.search_parameters as { mode?: unknown } | null)?.mode;
  delete body.search_parameters;
  warn(
    mode === 'off'
      ? 'search_parameters dropped (xAI Live Search, asked off; no upstream serves the field)'
      : 'search_parameters dropped: xAI Live Search is retired, no search run',
  );
}
