import { defineConfig } from 'vitest/config';

/** `npm run screenshots -w @switchyard/plugin-console`: the README's screenshots, not part of `npm test`. */
export default defineConfig({
  test: { include: ['test/plugins/console/screenshots.run.ts'], testTimeout: 120_000, env: { LOG_LEVEL: 'silent' } },
});
