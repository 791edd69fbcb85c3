#!/usr/bin/env node
// The `strata` command. Runs the JavaScript that `npm install` compiled into
// dist/ (scripts/build.js) when it is the compiled form of the sources as they
// are now; otherwise (not built, or a source edited since) the TypeScript
// sources through tsx: slower to start, never out of date
// (docs/adr/0010-compiled-at-install.md). STRATA_FROM_SOURCE=1 forces the sources.
// graphql-js's development-mode checks cost 13-18% of server CPU (bench/RESULTS.md).
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'production';
// Node >= 22.1 keeps V8's compiled code of the modules on disk (os.tmpdir(), NODE_COMPILE_CACHE
// to move it, NODE_DISABLE_COMPILE_CACHE=1 to turn it off); absent on Node 20, where this does nothing.
require('node:module').enableCompileCache?.();
const stale = process.env.STRATA_FROM_SOURCE === '1' ? 'STRATA_FROM_SOURCE=1' : require('./buildState').distStaleness();
let main;
if (stale) {
  if (process.env.STRATA_DEBUG) process.stderr.write(`strata: running the TypeScript sources: ${stale}\n`);
  require('tsx/cjs');
  main = require('../src/cli/main.ts').main;
} else {
  // Stack traces name the TypeScript lines (only when asked: source maps cost start-up).
  if (process.env.STRATA_DEBUG) process.setSourceMapsEnabled(true);
  main = require('../dist/src/cli/main.js').main;
}
main(process.argv.slice(2));
