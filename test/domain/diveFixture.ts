/**
 * Where dive's fixture archives live (../shared/fixtures/dive, see its README).
 * The fixture tests read them through the production importer
 * (src/importers readImages); null when the folder is absent (a fresh clone).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** STRATA_DIVE_FIXTURES overrides (jest.mutation.quick.config.js: StrykerJS runs the tests in a sandbox copy, beside no ../shared). */
export const DIVE_FIXTURES = process.env.STRATA_DIVE_FIXTURES ?? join(__dirname, '../../../shared/fixtures/dive');

export const diveFixture = (name: string): string | null => {
  const p = join(DIVE_FIXTURES, name);
  return existsSync(p) ? p : null;
};
