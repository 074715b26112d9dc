import { contract } from '@switchyard/core';
import type { ModelRoutes } from './routes.js';

/**
 * Model names → targets (provided by the models plugin, one per generation):
 * `gateway.contract(MODEL_ROUTES)?.resolver.resolve(model)`, `serve()`, `served()`, `onChange()`.
 */
export const MODEL_ROUTES = contract<ModelRoutes>('models:routes');

/** The name of the selectRoute tap (DISCOVER stage) that adds a model name's targets: explain output and Server-Timing show it. */
export const RESOLVE_TAP = 'switchyard:resolve';
