/**
 * Is dist/ (scripts/build.js) the compiled form of the sources as they are now?
 * bin/strata.js asks on every start, so this is cheap: one small JSON read and
 * one stat per source file and directory (about 250, ~1 ms), no hashing. A
 * source is current when its mtime and size are those recorded at its build;
 * a directory's mtime changes when a file in it is added, removed or renamed.
 * Editors, git checkout and rebase all set a new mtime on what they change.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const MANIFEST = path.join(DIST, 'manifest.json');
/** What is compiled: the code `strata` runs. */
const SOURCE_DIRS = ['src', 'migrations'];
const SOURCE_FILES = ['ormconfig.ts'];
/** A change to the builder (options, layout) invalidates every output. */
const BUILDER = ['scripts/build.js', 'bin/buildState.js'];

function stamp(rel) {
  const s = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
  return s ? `${s.mtimeMs}:${s.size}` : 'absent';
}

const builderStamp = () => BUILDER.map(stamp).join(' ');

/** The sources as they are now: every file and directory stamped (the builder walks; bin/strata.js does not). */
function sourceState() {
  const files = {};
  const dirs = {};
  const walk = (rel) => {
    dirs[rel] = stamp(rel);
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files[child] = stamp(child);
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  for (const f of SOURCE_FILES) files[f] = stamp(f);
  return { builder: builderStamp(), dirs, files };
}

/** True when `manifest` still describes the sources on disk (or the given state). */
function manifestMatches(manifest, state) {
  if (!manifest || typeof manifest !== 'object' || !manifest.files || !manifest.dirs) return false;
  const now = state ? (kind, rel) => state[kind][rel] : (_kind, rel) => stamp(rel);
  if (manifest.builder !== (state ? state.builder : builderStamp())) return false;
  for (const kind of ['dirs', 'files']) {
    for (const [rel, recorded] of Object.entries(manifest[kind])) if (now(kind, rel) !== recorded) return false;
  }
  if (state) {
    for (const kind of ['dirs', 'files']) if (Object.keys(state[kind]).length !== Object.keys(manifest[kind]).length) return false;
  }
  return true;
}

/** Why dist/ cannot run the current sources, or null when it can. */
function distStaleness() {
  let manifest;
  try { manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8')); } catch { return 'dist/ is not built (npm run build)'; }
  return manifestMatches(manifest) ? null : 'dist/ is older than the sources (npm run build)';
}

module.exports = { ROOT, DIST, MANIFEST, BUILDER, sourceState, manifestMatches, distStaleness };
