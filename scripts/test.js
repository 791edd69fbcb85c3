#!/usr/bin/env node
// `npm test`: the whole suite on SQLite and PostgreSQL.
// PostgreSQL: STRATA_TEST_PG_URL names an admin URL (a fresh database is created
// per suite). When it is unset we probe the local default; when nothing answers,
// the PostgreSQL suites are skipped and we say so loudly. When it IS set, an
// unreachable server fails the run (CI sets it).
const { spawnSync } = require('node:child_process');
const { Client } = require('pg');

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url) {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try { await c.connect(); await c.query('SELECT 1'); return true; } catch { return false; } finally { await c.end().catch(() => {}); }
}

function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width);
  console.error(`\n${bar}\n${lines.map((l) => `! ${l.padEnd(width - 4)} !`).join('\n')}\n${bar}\n`);
}

(async () => {
  const env = { ...process.env };
  if (env.STRATA_TEST_PG_URL) {
    if (!(await reachable(env.STRATA_TEST_PG_URL))) {
      banner([`STRATA_TEST_PG_URL is set (${env.STRATA_TEST_PG_URL}) but no PostgreSQL answers there.`, 'Failing: with the variable set, a missing server is an error.']);
      process.exit(1);
    }
  } else if (await reachable(DEFAULT_PG)) {
    env.STRATA_TEST_PG_URL = DEFAULT_PG;
    console.error(`PostgreSQL suites: using ${DEFAULT_PG}`);
  } else {
    banner([
      'PostgreSQL IS NOT REACHABLE: the PostgreSQL suites are SKIPPED.',
      'Only the SQLite backend was tested. Start PostgreSQL (see README)',
      'or set STRATA_TEST_PG_URL to run them; .ci/run always does.',
    ]);
  }
  const args = ['--no-warnings', require.resolve('jest/bin/jest'), ...process.argv.slice(2)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
})();
