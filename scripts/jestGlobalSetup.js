/**
 * Jest's globalSetup: compile the sources before any suite runs, so the e2e
 * suites that spawn bin/strata.js run the JavaScript users run, compiled from
 * the sources as they are now (a worktree with no dist/ gets one here). A
 * source edited during the run makes bin/strata.js fall back to the sources
 * (bin/buildState.js), never to stale output.
 */
const { build } = require('./build');
const { distStaleness } = require('../bin/buildState');

module.exports = async () => {
  await build({ quiet: true });
  let swcInstalled = true;
  try { require.resolve('@swc/core'); } catch { swcInstalled = false; }
  const stale = swcInstalled && distStaleness();
  if (stale) throw new Error(`the build did not produce a current dist/: ${stale}`);
};
