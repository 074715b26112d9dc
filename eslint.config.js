// Lint: typescript-eslint's strict rules, no import cycles, and core's layers in one direction.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

/** Every package's source: core, plugins, presets, wire libraries and the CLI. */
const SOURCES = [
  'core/src/**/*.ts',
  'plugins/*/src/**/*.ts',
  'presets/*/src/**/*.ts',
  'wire/*/src/**/*.ts',
  'cli/src/**/*.ts',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'plugins/console/web/dist/**',
      '**/*.tsbuildinfo',
      'presets/standard/validators.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', '*/*/tsconfig.json', 'core/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      // With noUncheckedIndexedAccess, `list[i]!` after a bounds check is the idiom; the checker still guards the rest.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tap callbacks legitimately return `T | void` (tapable's contract: undefined means "go on").
      '@typescript-eslint/no-invalid-void-type': 'off',
      // Removing a named field from a body a caller sent (never an index) is what delete is for.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  {
    // TypeBox's runtime is ~250 modules: the gateway builds schemas with core's Type and imports TypeBox for its types.
    files: SOURCES,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@sinclair/typebox',
              allowTypeImports: true,
              message: "Build schemas with Type from '@switchyard/core'; import TypeBox's types with `import type`.",
            },
          ],
        },
      ],
    },
  },
  {
    // Functions read in one screen, in every package.
    files: SOURCES,
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        setImmediate: 'readonly',
        global: 'readonly',
        globalThis: 'readonly',
      },
    },
  },
);
