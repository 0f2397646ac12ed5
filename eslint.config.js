// ESLint (flat config): typescript-eslint's recommended rules for all TypeScript, react-hooks for the pane.
// Formatting is Prettier's job (`npm run format`), so no stylistic rules here.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'test-output/', 'server/db/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['addin/**/*.{ts,tsx}', 'tests/e2e/**/*.ts', 'tests/support/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, Office: 'readonly', Excel: 'readonly' } },
  },
  {
    // Browser tests reach into the page's globals (the fake workbook, the pane's test hooks), which have no types there.
    files: ['tests/e2e/**/*.ts', 'tests/integration/token-cli.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['addin/**/*.tsx', 'addin/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);
