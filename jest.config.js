/** Jest runs TypeScript through SWC: no type-checking here (that is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  // Compiles src/ to dist/ first: the e2e suites spawn bin/strata.js, which runs dist/ (docs/adr/0010-compiled-at-install.md).
  globalSetup: '<rootDir>/scripts/jestGlobalSetup.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
