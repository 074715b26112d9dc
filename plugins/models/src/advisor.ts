/**
 * Anthropic's advisor tool (`advisor_20260301`, …): at each call another model (the tool's `model`)
 * reads the whole transcript and writes advice, billed at that model's price. The API sets no limit
 * on the calls unless the tool's `max_uses` does; its `max_tokens` bounds each call's output.
 */

/** An advisor tool a request offers, as far as reservations read it. */
export interface AdvisorTool {
  /** Its type (`advisor_20260301`). */
  readonly type: string;
  /** The advisor model (required by the API); undefined when the tool names none. */
  readonly model: string | undefined;
  /** Its `max_uses`: the most calls the answer may make. */
  readonly maxUses: number | undefined;
  /** Its `max_tokens`: the most output (thinking included) each call may write. */
  readonly maxTokens: number | undefined;
}

/**
 * Advisor calls reserved for an advisor tool that sets no `max_uses` (the API sets none), and sent
 * to the upstream as its `max_uses` by budgets: Anthropic's guidance has the executor consult it
 * before substantive work, when stuck and before declaring done.
 */
export const ADVISOR_CALLS_UNCAPPED = 3;

const ADVISOR_PREFIX = 'advisor_';

/** Whether a tool is an advisor tool. */
export function isAdvisorTool(tool: unknown): tool is { type: string; [field: string]: unknown } {
  const type = (tool as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith(ADVISOR_PREFIX);
}

/** The advisor tools a body offers ([] when none). */
export function advisorToolsOf(body: Record<string, unknown>): AdvisorTool[] {
  if (!Array.isArray(body.tools)) return [];
  const tools: AdvisorTool[] = [];
  for (const tool of body.tools as unknown[]) {
    if (!isAdvisorTool(tool)) continue;
    tools.push({
      type: tool.type,
      model: typeof tool.model === 'string' && tool.model ? tool.model : undefined,
      maxUses: countOf(tool.max_uses),
      maxTokens: countOf(tool.max_tokens),
    });
  }
  return tools;
}

/** The calls reserved for an advisor tool: its `max_uses`, else ADVISOR_CALLS_UNCAPPED. */
export function advisorCallsOf(tool: AdvisorTool): number {
  return tool.maxUses ?? ADVISOR_CALLS_UNCAPPED;
}

/** A count a caller set: a whole number, not negative. */
function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
