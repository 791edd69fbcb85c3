/**
 * Only serve, import, migrate and import-log create a database. Every other
 * command refuses a missing one: a mistyped --db must not answer `head: 0`
 * or let `verify` pass on nothing.
 */
import fs from 'node:fs';
import { resolveBackend } from '../../ormconfig';
import { ExitError } from './output';

export function requireExistingDatabase(db?: string): void {
  const backend = resolveBackend(db);
  // PostgreSQL refuses a database that does not exist by itself.
  if (backend.kind !== 'sqlite') return;
  if (fs.existsSync(backend.file) && fs.statSync(backend.file).isFile()) return;
  const why = fs.existsSync(backend.file) ? 'is not a file' : 'does not exist';
  throw new ExitError(
    `no database: ${backend.file} ${why} (check --db or $STRATA_DB; serve, import, migrate and import-log create one)`, 2);
}
