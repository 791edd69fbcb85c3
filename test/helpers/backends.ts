/**
 * The backends every store-level suite runs on: SQLite (a fresh temp file) and
 * PostgreSQL (a fresh database per call on the server named by
 * STRATA_TEST_PG_URL). scripts/test.js sets STRATA_TEST_PG_URL when a server is
 * reachable and prints a loud banner when it is not; with the variable set, a
 * missing server is a failure, never a skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { skippingDescribe, skippingTest } from './skip';

export type BackendName = 'sqlite' | 'postgres';

export const pgAdminUrl = (): string | null => process.env.STRATA_TEST_PG_URL || null;

export const backendNames = (): BackendName[] => (pgAdminUrl() ? ['sqlite', 'postgres'] : ['sqlite']);

export interface TestDb { name: BackendName; url: string; drop(): Promise<void> }

let counter = 0;

export function tempDir(prefix = 'strata-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freshDb(name: BackendName): Promise<TestDb> {
  if (name === 'sqlite') {
    const dir = tempDir();
    return { name, url: path.join(dir, 'strata.db'), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = pgAdminUrl();
  if (!admin) throw new Error('STRATA_TEST_PG_URL is not set');
  const dbName = `strata_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try { await client.query(`CREATE DATABASE ${dbName}`); } finally { await client.end(); }
  const u = new URL(admin);
  u.pathname = `/${dbName}`;
  return {
    name,
    url: u.toString(),
    drop: async () => {
      const c = new Client({ connectionString: admin });
      await c.connect();
      try { await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); } finally { await c.end(); }
    },
  };
}

/** describe when PostgreSQL is configured; otherwise skipped with a one-line banner (scripts/test.js probes for it). */
export const describeWithPostgres = (): jest.Describe =>
  pgAdminUrl() ? describe : skippingDescribe('no PostgreSQL: STRATA_TEST_PG_URL is unset (npm test sets it when one answers; see README)');
/** test when PostgreSQL is configured; otherwise skipped with a one-line banner. */
export const testWithPostgres = (): jest.It =>
  pgAdminUrl() ? test : skippingTest('no PostgreSQL: STRATA_TEST_PG_URL is unset (npm test sets it when one answers; see README)');
