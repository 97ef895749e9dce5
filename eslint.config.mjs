import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'tunelab/**', 'ui-tests/node_modules/**', 'ui-tests/test-results/**', 'ui-tests/playwright-report/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      curly: ['error', 'all']
    }
  }
);
