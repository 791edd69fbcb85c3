import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertValidSchema, buildASTSchema, parse, type DocumentNode } from 'graphql';

/** schema/ at the repository root (this file is src/graphql/schemaLoader.ts). */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schema');

/**
 * The SDL parsed and validated at build time (scripts/build.js writes it next
 * to the compiled code: dist/schema.ast.json; from the sources there is none).
 * It holds the SDL it was made from and is used only when that equals the SDL
 * read now, so an edited schema file is never answered from a stale cache.
 */
export const SCHEMA_CACHE = path.resolve(__dirname, '..', '..', 'schema.ast.json');

interface SchemaCache { sdl: string; document: DocumentNode }

/**
 * Reads every schema/*.graphql file, in name order, and returns one SDL string.
 * Read at start rather than bundled: the SDL files are the source of truth
 * that the CI contract check also reads (.ci/run).
 */
export function loadSchemaSDL(dir: string = SCHEMA_DIR): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  if (files.length === 0) throw new Error(`no .graphql files in ${dir}`);
  return files.map((f) => `# ${f}\n${readFileSync(path.join(dir, f), 'utf8')}`).join('\n');
}

/**
 * The SDL's document, and whether it is known valid. Parsing and validating
 * our 47 kB of SDL cost ~100 ms of CPU at every `strata` start that builds the
 * schema (bench/RESULTS.md, "Start-up"); the build does it once. Without a
 * matching cache the SDL is parsed here and validated by the caller's buildASTSchema.
 */
export function loadSchemaDocument(dir = SCHEMA_DIR, cacheFile = SCHEMA_CACHE): { document: DocumentNode; validated: boolean } {
  const sdl = loadSchemaSDL(dir);
  let cache: SchemaCache | null = null;
  try { cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as SchemaCache; } catch { /* none, or unreadable: parse */ }
  if (cache && cache.sdl === sdl && cache.document?.kind === 'Document') return { document: cache.document, validated: true };
  return { document: parse(sdl), validated: false };
}

/**
 * Writes the cache for the SDL in `dir` (scripts/build.js, after compiling):
 * parsed, then validated as the SDL and as a schema; an invalid SDL leaves no
 * cache, so `strata` reports its errors at start as before. Returns whether it wrote.
 */
export function writeSchemaCache(write: (file: string, data: string) => void, dir = SCHEMA_DIR, cacheFile = SCHEMA_CACHE): boolean {
  const sdl = loadSchemaSDL(dir);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as SchemaCache;
    if (cached.sdl === sdl) return false;
  } catch { /* none yet */ }
  let document: DocumentNode;
  try {
    document = parse(sdl, { noLocation: true });
    assertValidSchema(buildASTSchema(document));
  } catch {
    write(cacheFile, '');
    return false;
  }
  write(cacheFile, JSON.stringify({ sdl, document } satisfies SchemaCache));
  return true;
}
