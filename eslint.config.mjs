import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Who may import whom. Apps never import apps. Libraries are either domain
// (types and rules of the guestbook and the model: no I/O) or platform (Redis,
// gRPC, HTTP, telemetry, the service bootstrap); domain libraries import only
// domain libraries. @fig/testing (type:testing) is for specs and dev tooling:
// the project rule lets a project's specs use it, and the file rule below
// keeps it out of every production source file.
const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:domain', 'type:testing'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ...['monolith', 'store', 'frontend', 'gateway', 'live-view', 'migrator', 'tools'].map(
    (scope) => ({
      sourceTag: `scope:${scope}`,
      onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`],
    }),
  ),
];

const deepImports = {
  group: ['@fig/*/*'],
  message: 'Import a library through its entry point.',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'test-output/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints },
      ],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Production sources: everything an app bundle can contain.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    // *.delivery.ts: specs that test:delivery runs against a real control plane.
    ignores: [
      '**/*.spec.ts',
      '**/*.delivery.ts',
      '**/test-support.ts',
      'libs/testing/**',
      'libs/conformance/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@fig/testing', message: '@fig/testing is for specs and dev tooling only.' },
          ],
          patterns: [deepImports],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.delivery.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
