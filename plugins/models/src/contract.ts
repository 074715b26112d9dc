/** What other plugins import (`@switchyard/plugin-models/contract`): the table's contract, its types, fitting and price helpers. */
export { BUILT_IN_MODELS, MODEL_INFO, builtInModels } from './table-contract.js';
export { ModelInfoTable, fitOutputTokens, listPrice, modelInfoSchema } from './model-info.js';
export type { ModelInfo, ModelPricing, Price } from './model-info.js';
export { targetOutputTokens } from './fit.js';
export { estimateChatTokens, inputTokens } from './estimate.js';
