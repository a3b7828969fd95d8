// One lint configuration for every package (flat config, typescript-eslint with type information).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The anchors' limits (pepr's eslint config): complexity 10, 20 statements a function.
      complexity: ['error', 10],
      'max-statements': ['error', 20],
      'max-depth': ['error', 3],
      'max-params': ['error', 4],
      'no-console': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      // The anchors' third limit: every function says what it returns, except an expression whose
      // type its context already fixes (a callback, a typed variable, a function returned by one).
      '@typescript-eslint/explicit-function-return-type': [
        'error',
        { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Node 20's AbortSignal.any leaves a reference on every source for good: over a long-lived
      // source (the daemon's queue, a client) that is memory kept per call (bench/RESULTS.md, soaks).
      'no-restricted-properties': [
        'error',
        { object: 'AbortSignal', property: 'any', message: "Use anySignal() from core's util (any-signal.ts) and dispose it when the work ends." },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      // A test's local helpers are read beside their one use; shipped code, scripts and bench say their return types.
      '@typescript-eslint/explicit-function-return-type': 'off',
      'max-params': 'off',
      // A test is a scenario read top to bottom: its steps stay in one function.
      'max-statements': 'off',
    },
  },
);
