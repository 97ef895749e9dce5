// Jest runs the TypeScript unit tests that sit beside the code (src/ ... .spec.ts).
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts', '**/*.spec.tsx'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'ES2022', esModuleInterop: true, jsx: 'react', types: ['node', 'jest'], strict: true, lib: ['DOM', 'ES2022'] }, diagnostics: { warnOnly: false } }]
  }
};
