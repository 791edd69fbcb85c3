#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm install` runs it): compiles the
 * TypeScript that `strata` runs (src/, migrations/, ormconfig.ts) to CommonJS
 * in dist/, one file at a time with SWC, with the options jest uses. No type
 * check here: that is `tsc --noEmit` (docs/adr/0010-compiled-at-install.md).
 *
 * Incremental: a file whose mtime and size match dist/manifest.json is not
 * compiled again. The manifest is written last, after every output file, and
 * bin/strata.js runs dist/ only when every source still matches it
 * (bin/buildState.js), so a half-written or stale dist/ is never run.
 * Builds in one checkout take turns through a lock directory (jest's
 * globalSetup and a `npm run build` may start together).
 */
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, DIST, MANIFEST, sourceState, manifestMatches } = require('../bin/buildState');

const LOCK = path.join(DIST, '.lock');
const LOCK_STALE_MS = 120_000;
/** Top-level entries the code reads relative to its own file (`path.resolve(__dirname, '..', '..', 'schema')`). */
const LINKED = ['schema', 'public', 'package.json'];

const swcOptions = (file) => ({
  filename: file,
  sourceMaps: true,
  swcrc: false,
  configFile: false,
  jsc: { target: 'es2022', parser: { syntax: 'typescript' }, keepClassNames: true },
  module: { type: 'commonjs' },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withLock(fn) {
  fs.mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // A builder killed mid-way leaves its lock: take it over once it is old.
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > LOCK_STALE_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      } catch { /* removed meanwhile */ }
      await sleep(50);
    }
  }
  try { return await fn(); } finally { fs.rmSync(LOCK, { recursive: true, force: true }); }
}

function readManifest() {
  try { return JSON.parse(fs.readFileSync(MANIFEST, 'utf8')); } catch { return null; }
}

/** Writes `data` to `file` through a temporary name, so a reader sees the old file or the new one. */
function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function link(name) {
  const at = path.join(DIST, name);
  const target = path.join('..', name);
  try {
    if (fs.readlinkSync(at) === target) return;
    fs.rmSync(at, { force: true });
  } catch { /* absent */ }
  fs.symlinkSync(target, at);
}

/** Compiles what changed since the last build; returns how many files it compiled. */
/**
 * dist/schema.ast.json: the SDL parsed and validated once (src/graphql/schemaLoader.ts), by
 * the compiled loader. Rewritten whenever the SDL differs from the one it holds, also when no
 * source changed; `strata` uses it only while it matches the SDL, so it is never stale in effect.
 */
function schemaCache(quiet) {
  const loader = path.join(DIST, 'src', 'graphql', 'schemaLoader.js');
  if (!fs.existsSync(loader)) return;
  if (require(loader).writeSchemaCache(writeAtomic) && !quiet) process.stderr.write('strata build: parsed and validated schema/*.graphql into dist/schema.ast.json\n');
}

async function build({ quiet = false } = {}) {
  if (manifestMatches(readManifest())) {
    schemaCache(quiet); // written atomically: no lock needed
    return 0;
  }
  let swc;
  try { swc = require('@swc/core'); } catch {
    // Installed without devDependencies: bin/strata.js runs the sources through tsx instead.
    if (!quiet) process.stderr.write('strata build: @swc/core is not installed; strata will run the TypeScript sources (slower start)\n');
    return 0;
  }
  return withLock(async () => {
    const current = sourceState();
    const previous = readManifest();
    if (previous && manifestMatches(previous, current)) return 0;
    // Another builder version means other output: compile everything.
    const reusable = previous && previous.builder === current.builder ? previous.files : {};
    const changed = Object.keys(current.files).filter((f) => String(reusable[f]) !== String(current.files[f]));
    await Promise.all(changed.map(async (rel) => {
      const out = await swc.transformFile(path.join(ROOT, rel), swcOptions(path.join(ROOT, rel)));
      const js = path.join(DIST, rel.replace(/\.ts$/, '.js'));
      writeAtomic(`${js}.map`, out.map);
      writeAtomic(js, `${out.code}\n//# sourceMappingURL=${path.basename(js)}.map\n`);
    }));
    // Outputs of sources that are gone would only confuse a reader of dist/.
    for (const rel of Object.keys(previous?.files ?? {})) {
      if (current.files[rel]) continue;
      const js = path.join(DIST, rel.replace(/\.ts$/, '.js'));
      fs.rmSync(js, { force: true });
      fs.rmSync(`${js}.map`, { force: true });
    }
    for (const name of LINKED) link(name);
    schemaCache(quiet);
    writeAtomic(MANIFEST, JSON.stringify(current));
    if (!quiet) process.stderr.write(`strata build: compiled ${changed.length} of ${Object.keys(current.files).length} files to dist/\n`);
    return changed.length;
  });
}

module.exports = { build };

if (require.main === module) {
  build({ quiet: process.argv.includes('--quiet') }).catch((e) => {
    process.stderr.write(`strata build: ${e.stack || e}\n`);
    process.exit(1);
  });
}
