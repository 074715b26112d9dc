/**
 * Import rules checked by `npm run lint` (dependency-cruiser, type-only imports included):
 * no cycles anywhere; core's layers point one way; core imports no plugin; a plugin imports
 * another plugin only through its `/contract` subpath.
 */
const LAYERS = [
  // [layer, folders below it that it may not import from]
  ['core/src/protocols', ['core/src/(http|routing|upstream|plugin|config)/', 'core/src/(gateway|build|dispatch)\\.ts']],
  ['core/src/upstream', ['core/src/(http|routing|plugin|config)/', 'core/src/(gateway|build|dispatch)\\.ts']],
  ['core/src/routing', ['core/src/(http|upstream|plugin)/', 'core/src/(gateway|build|dispatch)\\.ts']],
  ['core/src/dispatch\\.ts', ['core/src/(http|plugin)/', 'core/src/(gateway|build)\\.ts']],
  ['core/src/http', ['core/src/(gateway|build)\\.ts', 'core/src/plugin/host\\.ts']],
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-plugin',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(plugins|presets|cli|wire|examples)/' },
    },
    {
      name: 'plugins-only-through-contracts',
      severity: 'error',
      comment: 'A plugin may import another plugin only through its /contract subpath (keys and types).',
      from: { path: '^plugins/([^/]+)/' },
      to: {
        path: '^plugins/([^/]+)/',
        pathNot: ['^plugins/$1/', '^plugins/[^/]+/(src|dist)/contract\\.(ts|js|d\\.ts)$'],
      },
    },
    ...LAYERS.map(([layer, below]) => ({
      name: `core-layers: ${layer}`,
      severity: 'error',
      comment: 'Core layers point one way: http → dispatch → routing → upstream → protocols → types.',
      from: { path: `^${layer}` },
      to: { path: below.map((b) => `^${b}`) },
    })),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    // Other packages are reached through their built `dist/` (or node_modules): seen, not followed.
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import'], extensions: ['.ts', '.js'] },
  },
};
