import { createRequire } from 'node:module';

/**
 * `require` for the CommonJS packages core loads at start (Koa and its router, pino, tapable,
 * bytes). An `import` of a CommonJS file makes Node scan its source for export names with
 * cjs-module-lexer, which grows hot enough over a gateway's packages that V8 optimizes it on a
 * worker thread at every start, several MB of memory the process keeps.
 */
export const requireCjs = createRequire(import.meta.url);
