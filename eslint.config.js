import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'manifests/**', 'charts/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['warn', 15],
      'max-params': ['warn', 5],
    },
  },
  {
    // core/ is shared by webhook and plugin and must stay free of either.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/webhook/**', '**/plugin/**', 'express', '@kubernetes/client-node'] }],
    },
  },
  {
    files: ['webhook/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/plugin/**'] }] },
  },
  {
    files: ['plugin/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/webhook/**'] }] },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
