/** What other plugins import (`@switchyard/plugin-models/contract`): the table's and the routes' contracts, their types, fitting and price helpers. */
export { BUILT_IN_MODELS, MODEL_INFO, builtInModels } from './table-contract.js';
export {
  ModelInfoTable,
  fitOutputTokens,
  claudeLongContext,
  claudePrice,
  listPrice,
  modelInfoSchema,
} from './model-info.js';
export type { LongContextPrice, ModelInfo, ModelPricing, Price } from './model-info.js';
export { sendOutputLimit, targetOutputTokens } from './fit.js';
export { bodyTokens, estimateChatTokens, inputTokens, sentInputTokens, textTokens } from './estimate.js';
export { PDF_PAGE_TOKENS, inlinePdfTokens, pdfPages } from './pdf-pages.js';
export { compactsContext, hostedShell, promptMediaOf, readsToolResults } from './input-beyond-body.js';
export type { BodyTool } from './input-beyond-body.js';
export { ADVISOR_CALLS_UNCAPPED, advisorCallsOf, advisorToolsOf, isAdvisorTool } from './advisor.js';
export type { AdvisorTool } from './advisor.js';
export { MODEL_ROUTES, RESOLVE_TAP } from './routes-contract.js';
export type { ModelRoutes, ModelsChangedListener } from './routes.js';
export type { ModelResolver } from './resolve.js';
export type { AliasConfig } from './aliases.js';
