/**
 * The mutation run's Jest config (jest.mutation.config.js) without the suites
 * that start peers (test/domain/referenceLimits.e2e.test.ts runs Docker): used by
 * stryker.nochecker.json, the quick option of docs/testing.md. The e2e suite
 * states reference.ts's limits only; a static mutant of another file would
 * otherwise start Docker on every run.
 */
const base = require('./jest.mutation.config');

// A property a mutant breaks stops at its first counterexample instead of shrinking it
// (test/domain/mergedView.prop.test.ts, baseChains.prop.test.ts): the same cases run, so
// the same mutants are killed, at a fraction of the cost. Jest runs in band in
// StrykerJS's worker, so the tests see this.
process.env.STRATA_FC_NO_SHRINK = '1';
// And runs at most 60 generated cases per property instead of 300: a mutant a property
// catches only past its 60th case counts as a survivor here (the score is a lower bound).
process.env.STRATA_FC_MAX_RUNS ??= '60';
// StrykerJS copies the project into .stryker-tmp*/sandbox-*/, where ../shared is not beside it:
// the dive fixture tests (test/domain/diveFixture.ts) would skip. Point them at the real one.
const worktree = __dirname.replace(/[\\/]\.stryker-tmp[^\\/]*[\\/]sandbox-[^\\/]+$/, '');
process.env.STRATA_DIVE_FIXTURES ??= require('node:path').join(worktree, '../shared/fixtures/dive');

module.exports = {
  ...base,
  rootDir: process.cwd(),
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
};
