#!/usr/bin/env node
// The `strata` command. TypeScript sources run through tsx's require hook,
// so `npx strata` works straight after `npm install` with no build step.
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2));
