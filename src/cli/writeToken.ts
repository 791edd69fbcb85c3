/**
 * The server's write token when $STRATA_WRITE_TOKEN is unset: generated once,
 * kept in the data folder (mode 0600) so scripts keep working across restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { resolveBackend } from '../../ormconfig';
import { ExitError } from './output';

export const TOKEN_FILE = 'write-token';

/** The folder that holds the SQLite file; ./data (the default one) for PostgreSQL. */
export function dataFolder(db?: string): string {
  const backend = resolveBackend(db);
  return backend.kind === 'sqlite' ? path.dirname(backend.file) : path.resolve('data');
}

export interface WriteToken { token: string; source: 'env' | 'file' | 'generated'; file?: string }

export function loadWriteToken(db?: string): WriteToken {
  const env = process.env.STRATA_WRITE_TOKEN;
  if (env) return { token: env, source: 'env' };
  const file = path.join(dataFolder(db), TOKEN_FILE);
  const existing = readToken(file);
  if (existing) return { token: existing, source: 'file', file };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  try {
    // 'wx': two servers starting together on one folder must not both write.
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const raced = (e as NodeJS.ErrnoException).code === 'EEXIST' ? readToken(file) : null;
    if (raced) return { token: raced, source: 'file', file };
    throw e;
  }
  return { token, source: 'generated', file };
}

function readToken(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * A server reachable from other machines must not run on a token nobody chose
 * or saw: refuse unless $STRATA_WRITE_TOKEN is set or the token file exists.
 */
export function requireTokenForHost(host: string, db?: string): void {
  if (isLoopback(host) || process.env.STRATA_WRITE_TOKEN) return;
  const file = path.join(dataFolder(db), TOKEN_FILE);
  if (readToken(file)) return;
  throw new ExitError(`refusing to listen on ${host} with no write token configured: `
    + `set STRATA_WRITE_TOKEN (e.g. STRATA_WRITE_TOKEN=$(openssl rand -hex 24)) or put one in ${file}`, 2);
}
