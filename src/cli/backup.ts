/**
 * `strata backup FILE` and `strata restore FILE` (SQLite). The backup uses
 * SQLite's online backup API (better-sqlite3 `.backup()`), so `strata serve`
 * keeps writing meanwhile; a copied live file is not a backup under WAL. Both
 * commands verify the copy (integrity check, hash chain, entry lists,
 * projections against a replay) before putting it in place, and never
 * overwrite. PostgreSQL has its own tools: pg_dump and psql (README "Running
 * in production").
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveBackend } from '../../ormconfig';
import { openReadOnlyLog } from '../eventStore/readOnly';
import { onlineBackup, standaloneIntegrity } from '../eventStore/sqliteBackup';
import { PROJECTION_TABLES } from '../projections/tables';
import { verifyChainAndContents, verifyIdempotencyKeys, verifyProjectionsReadOnly } from '../application/verify';
import { ExitError, reasonOf } from './output';

const PG_HINT = 'on PostgreSQL use pg_dump to back up and psql (or pg_restore) into an empty database to restore; '
  + 'then `strata verify --db URL`';

interface Checked { events: number; head: string }

/** The whole verification `strata verify` does, on a file that is not in use yet; throws with the first problem. */
async function verifyCopy(file: string): Promise<Checked> {
  const damaged = standaloneIntegrity(file);
  if (damaged) throw new ExitError(`the copy is unusable: ${damaged}`);
  const log = await openReadOnlyLog(file, { scratchTables: Object.keys(PROJECTION_TABLES) });
  try {
    const { chain, contents: entryLists } = await verifyChainAndContents(log);
    if (!chain.ok) throw new ExitError(`the copy fails verification at position ${chain.firstBadPosition}: ${chain.reason}`);
    const contents = [...entryLists, ...await verifyIdempotencyKeys(log)];
    if (contents.length) throw new ExitError(`the copy fails verification at position ${contents[0]!.position}: ${contents[0]!.reason}`);
    const projections = await verifyProjectionsReadOnly(log);
    if (projections.length) throw new ExitError(`the copy fails verification: projection ${projections[0]!.table} differs from a replay`);
    return { events: chain.checked, head: `${chain.headPosition}:${chain.headHash ?? ''}` };
  } finally {
    await log.close();
  }
}

function sqliteFile(db: string | undefined, command: string): string {
  const backend = resolveBackend(db);
  if (backend.kind !== 'sqlite') throw new ExitError(`${command} works on SQLite databases; ${PG_HINT}`, 2);
  return backend.file;
}

/** Never overwrite: a backup or a database already there may be the only good one. */
function requireAbsent(file: string, what: string): void {
  for (const f of [file, `${file}-wal`, `${file}-journal`]) {
    if (fs.existsSync(f)) throw new ExitError(`${f} already exists; ${what} writes only to a new location`, 2);
  }
}

/** Puts a verified temporary file at `target` without replacing anything that appeared meanwhile. */
function putInPlace(tmp: string, target: string): void {
  try {
    fs.linkSync(tmp, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ExitError(`${target} appeared meanwhile; nothing was replaced`, 2);
    throw e;
  } finally {
    removeTemp(tmp);
  }
}

const removeTemp = (tmp: string) => { for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) fs.rmSync(f, { force: true }); };

const tempBeside = (target: string) => path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);

export async function backup(file: string, opts: { db?: string }): Promise<void> {
  const source = sqliteFile(opts.db, 'backup');
  const target = path.resolve(file);
  if (target === source) throw new ExitError('the backup must go to another file than the database', 2);
  requireAbsent(target, 'backup');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempBeside(target);
  try {
    await onlineBackup(source, tmp);
  } catch (e) {
    removeTemp(tmp);
    throw new ExitError(`backup failed: ${reasonOf(e)}`);
  }
  try {
    const checked = await verifyCopy(tmp);
    putInPlace(tmp, target);
    process.stdout.write(`backed up ${checked.events} events (head ${checked.head}) to ${target}, verified\n`);
  } finally {
    removeTemp(tmp);
  }
}

export async function restore(file: string, opts: { db?: string }): Promise<void> {
  const target = sqliteFile(opts.db, 'restore');
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new ExitError(`no backup at ${source}`, 2);
  requireAbsent(target, 'restore');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempBeside(target);
  try {
    // Verify the bytes that will be put in place, not the file they came from.
    fs.copyFileSync(source, tmp);
    const checked = await verifyCopy(tmp);
    putInPlace(tmp, target);
    process.stdout.write(`restored ${checked.events} events (head ${checked.head}) into ${target}, verified\n`);
  } finally {
    removeTemp(tmp);
  }
}
