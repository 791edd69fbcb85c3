/**
 * SQLite's online backup API (better-sqlite3 `.backup()`): a consistent copy
 * of a database another process keeps writing to. Copying the file itself is
 * not a backup under WAL (committed pages may still be in the -wal file).
 */
import Database from 'better-sqlite3';

/** Copies `source` page by page into `dest` (a new file). */
export async function onlineBackup(source: string, dest: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    // After the first step, copy the rest in one: SQLite restarts a backup when
    // another connection writes between steps, so few steps finish soonest.
    await db.backup(dest, { progress: ({ totalPages }) => Math.max(100, totalPages) });
  } finally {
    db.close();
  }
}

/**
 * Makes a copy standalone (rollback journal: no -wal/-shm beside it; serve
 * turns WAL back on when it opens it) and runs SQLite's integrity check.
 * Returns null when sound, else the problem.
 */
export function standaloneIntegrity(file: string): string | null {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('journal_mode = DELETE');
  } catch (e) {
    return `not a SQLite database (${(e as Error).message})`;
  }
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.length === 1 && rows[0]!.integrity_check === 'ok' ? null
      : `SQLite integrity check: ${rows.map((r) => r.integrity_check).join('; ').slice(0, 300)}`;
  } catch (e) {
    return `not a SQLite database (${(e as Error).message})`;
  } finally {
    db.close();
  }
}
