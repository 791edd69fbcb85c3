#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's require hook: no build step after `npm install`.
require('tsx/cjs');
const path = require('path');
const entry = process.argv[2];
process.argv.splice(1, 2, path.resolve(entry));
require(path.resolve(entry));
