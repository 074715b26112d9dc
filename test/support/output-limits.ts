/**
 * The output-token limit for a model from a limits table of the mock upstreams, or undefined when
 * none applies. A key also covers ids that continue it with `-` (dated snapshots such as
 * claude-sonnet-4-5-20250929, or gemini-2.5-flash-lite under gemini-2.5-flash); the longest key wins.
 */
export function outputLimitFor(model: string, limits: Readonly<Record<string, number>>): number | undefined {
  let best: string | undefined;
  for (const key of Object.keys(limits)) {
    if ((model === key || model.startsWith(`${key}-`)) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : limits[best];
}
