#!/usr/bin/env node
// The `strata` command. TypeScript sources run through tsx's require hook,
// so `npx strata` works straight after `npm install` with no build step.
// graphql-js's development-mode checks cost 13-18% of server CPU (bench/RESULTS.md).
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'production';
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2));
