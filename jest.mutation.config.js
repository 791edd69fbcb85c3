/**
 * Jest as StrykerJS runs it: the tests that state the mutated code's rules, and
 * only those: the domain's own tests (test/domain/**) and the unit tests of the
 * pure parts of the importers and the event store (tar header → entry, hash chain).
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/domain', '<rootDir>/test/importers', '<rootDir>/test/eventStore'],
  testMatch: ['<rootDir>/test/domain/**/*.test.ts', '<rootDir>/test/importers/*.unit.test.ts', '<rootDir>/test/eventStore/*.unit.test.ts'],
  maxWorkers: 1,
  // These tests spawn no `strata`: no build before each run of the mutants.
  globalSetup: undefined,
};
