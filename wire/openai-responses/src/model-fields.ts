import { samplesWithoutReasoning } from '@switchyard/wire-chat';

/** Sampling fields OpenAI's reasoning models refuse in the Responses API, and their defaults. */
const SAMPLING_DEFAULTS = [
  ['temperature', 1],
  ['top_p', 1],
] as const;

/**
 * A Responses body's reasoning and sampling fields as the target model takes them, when the model
 * table says whether it reasons: no `reasoning` settings for a model that does not; no `temperature`
 * or `top_p` for one that does (gpt-5.1 and later take them with `reasoning.effort: none`). So a body
 * written for one target of an alias is served by the others; each value dropped is named in a
 * warning (a default one silently). Changes `body`, a copy of the caller's.
 */
export function fitResponsesFields(
  body: Record<string, unknown>,
  model: string,
  reasoning: boolean | undefined,
  warn: (message: string) => void,
): void {
  const settings = body.reasoning as { effort?: unknown; summary?: unknown } | null | undefined;
  if (reasoning === false && settings != null && (settings.effort != null || settings.summary != null)) {
    warn(`reasoning settings dropped (${model} does not reason)`);
    delete body.reasoning;
  }
  if (reasoning !== true || samplesWithoutReasoning(model, settings?.effort)) return;
  for (const [field, fixed] of SAMPLING_DEFAULTS) {
    const value = body[field];
    if (value == null) continue;
    if (value !== fixed) warn(`${field} ${String(value)} dropped (${model} reasons and takes no ${field})`);
    delete body[field];
  }
}
