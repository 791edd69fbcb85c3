import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** schema/ at the repository root (this file is src/graphql/schemaLoader.ts). */
export const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schema');

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
