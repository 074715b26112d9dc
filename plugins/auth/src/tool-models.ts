/**
 * Hosted tools that run models of their own beside the one a request names, and the models each
 * runs when the tool names none: a key's allowed models hold for these too. A model the tool runs
 * but nothing names (undefined) is the upstream's choice: only a key allowing every model may use it.
 */
type ModelsOfTool = (tool: Record<string, unknown>) => Array<string | undefined>;

const named = (value: unknown, otherwise: string | undefined): string | undefined =>
  typeof value === 'string' ? value : otherwise;

/** An OpenRouter server tool's `parameters` ({} when it sets none). */
const parametersOf = (tool: Record<string, unknown>): Record<string, unknown> =>
  typeof tool.parameters === 'object' && tool.parameters !== null ? (tool.parameters as Record<string, unknown>) : {};

const MODELS_OF_TOOL: Readonly<Record<string, ModelsOfTool>> = {
  /** OpenAI Responses: generates images with a GPT Image model (`model`, default `gpt-image-1`). */
  image_generation: (tool) => [named(tool.model, 'gpt-image-1')],
  /** OpenRouter (an OpenAI-compatible instance): `parameters.model`, default `openai/gpt-5-image`. */
  'openrouter:image_generation': (tool) => [named(parametersOf(tool).model, 'openai/gpt-5-image')],
  /** OpenRouter: an advisor model the request's model consults (`parameters.model`, else OpenRouter's pick). */
  'openrouter:advisor': (tool) => [named(parametersOf(tool).model, undefined)],
  /**
   * OpenRouter: a panel of models (`parameters.analysis_models`, else one OpenRouter picks) and a
   * judge (`parameters.model`, else the request's own model, checked as such).
   */
  'openrouter:fusion': (tool) => {
    const { analysis_models: panel, model: judge } = parametersOf(tool);
    const models = Array.isArray(panel) && panel.length > 0 ? panel.map((m) => named(m, undefined)) : [undefined];
    return typeof judge === 'string' ? [...models, judge] : models;
  },
};

/** Anthropic's advisor tool (`advisor_20260301`, …): the advisor model its `model` names (required by the API). */
const ADVISOR_PREFIX = 'advisor_';
const advisorModels: ModelsOfTool = (tool) => [named(tool.model, undefined)];

/** Types of the tools the caller's own code runs: a `model` field in them is the caller's business. */
const CALLERS_TOOLS = new Set(['function', 'custom']);

/**
 * Any other hosted tool (another aggregator's, a newer version): a `model` or `parameters.model`
 * it names is taken for a model it runs, whatever the tool does with it.
 */
const namedModels: ModelsOfTool = (tool) =>
  [tool.model, parametersOf(tool).model].filter((m): m is string => typeof m === 'string');

/** How to find the models a tool of this type runs. */
function modelsOfTool(type: string): ModelsOfTool | undefined {
  if (Object.hasOwn(MODELS_OF_TOOL, type)) return MODELS_OF_TOOL[type];
  if (type.startsWith(ADVISOR_PREFIX)) return advisorModels;
  return CALLERS_TOOLS.has(type) ? undefined : namedModels;
}

/** A model a hosted tool of the request runs: the tool's type and the model (undefined: one the upstream picks). */
export interface ToolModel {
  readonly tool: string;
  readonly model: string | undefined;
}

/** The models the body's hosted tools run, each once ([] when none does). */
export function toolModelsOf(body: Record<string, unknown>): ToolModel[] {
  if (!Array.isArray(body.tools)) return [];
  const found: ToolModel[] = [];
  for (const tool of body.tools as unknown[]) {
    if (typeof tool !== 'object' || tool === null) continue;
    const type = (tool as { type?: unknown }).type;
    const modelsOf = typeof type === 'string' ? modelsOfTool(type) : undefined;
    if (!modelsOf) continue;
    for (const model of modelsOf(tool as Record<string, unknown>))
      if (!found.some((f) => f.tool === type && f.model === model)) found.push({ tool: type as string, model });
  }
  return found;
}

/** How a refusal names the model: the upstream's own pick has no name. */
export function modelLabel({ tool, model }: ToolModel): string {
  return model === undefined ? `the models the ${tool} tool picks itself` : `\`${model}\``;
}
