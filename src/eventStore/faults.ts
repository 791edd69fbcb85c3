/**
 * Storage faults a client should retry rather than report as a bug: the
 * database is down, the disk is full, the database is read-only or locked.
 * They are answered as UNAVAILABLE with HTTP 503 and Retry-After
 * (docs/reliability.md, "Honest errors under faults"); the transaction that hit
 * them was rolled back, so nothing was appended.
 */

/** Seconds a client should wait before retrying an UNAVAILABLE answer. */
export const RETRY_AFTER_SECONDS = 5;

const SQLITE: Array<[RegExp, string]> = [
  [/^SQLITE_FULL/, 'the disk is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_(BUSY|LOCKED)/, 'the database is locked by another writer'],
  [/^SQLITE_(IOERR|CANTOPEN)/, 'the database file cannot be read or written'],
];

/** PostgreSQL SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function postgresReason(code: string): string | null {
  if (code.startsWith('08')) return 'the database connection failed';
  if (code === '53100') return 'the disk is full';
  if (code.startsWith('53')) return 'the database is out of resources';
  if (code === '25006') return 'the database is read-only';
  if (code === '57P01' || code === '57P02' || code === '57P03') return 'the database is shutting down or starting';
  return null;
}

const NODE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const NODE_FS: Record<string, string> = { ENOSPC: 'the disk is full', EROFS: 'the database is read-only',
  EDQUOT: 'the disk quota is exceeded' };

/**
 * Why the database cannot answer now, or null when the error is something else.
 * Walks `driverError`/`cause`, where TypeORM and pg keep the original.
 */
export function storageFault(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== 'object' || depth > 4) return null;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  for (const [re, reason] of SQLITE) if (re.test(code)) return reason;
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const r = postgresReason(code);
    if (r) return r;
  }
  if (NODE_NET.has(code)) return 'the database connection failed';
  if (NODE_FS[code]) return NODE_FS[code]!;
  const message = typeof e.message === 'string' ? e.message : '';
  // pg reports a lost or refused connection as a plain Error without a code.
  if (/^Connection terminated|^Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message)) {
    return 'the database connection failed';
  }
  return storageFault(e.driverError, depth + 1) ?? storageFault(e.cause, depth + 1);
}
