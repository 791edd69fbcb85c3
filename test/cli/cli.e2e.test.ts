/**
 * The `strata` command as a user runs it (bin/strata.js, no build step):
 * exit codes, one-line errors without stack traces, nothing appended on bad input.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/backends';
import { fileBytes, samples, SAMPLE_TAG } from '../helpers/sampleImages';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', ...env } });

describe('strata CLI', () => {
  let dir: string;
  let db: string;
  beforeEach(() => { dir = tempDir(); db = path.join(dir, 'nested', 'strata.db'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('migrate creates the database with its folder; query reads head 0', () => {
    expect(run(['migrate', '--db', db]).status).toBe(0);
    expect(fs.existsSync(db)).toBe(true);
    const q = run(['query', '{ head }', '--db', db]);
    expect(q.status).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual({ data: { head: 0 } });
  });

  it('query exits 1 with coded errors, and takes variables', () => {
    expect(run(['migrate', '--db', db]).status).toBe(0);
    const bad = run(['query', '{ nope }', '--db', db]);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const v = run(['query', 'query($r: String!) { image(ref: $r) { imageId } }', '--variables', '{"r":"x:1"}', '--db', db]);
    expect(JSON.parse(v.stdout)).toEqual({ data: { image: null } });
    const junk = run(['query', '{ head }', '--variables', '{not json', '--db', db]);
    expect(junk.status).toBe(2);
    expect(junk.stderr).toMatch(/^strata: .*--variables is not valid JSON\n$/);
  });

  it('refuses a root filesystem tar with one line and appends nothing', async () => {
    expect(run(['migrate', '--db', db]).status).toBe(0);
    const r = run(['import', (await samples()).rootfsTar, '--db', db]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not an image/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(JSON.parse(run(['query', '{ head }', '--db', db]).stdout).data.head).toBe(0);
  });

  it('imports from standard input with --json, then verify passes and fails at a tampered position', async () => {
    const s = await samples();
    const r = spawnSync(process.execPath, [BIN, 'import', '-', '--json', '--db', db], {
      input: fs.readFileSync(s.dockerArchive), encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.images[0]).toMatchObject({ tags: [SAMPLE_TAG], layers: 14, size: fileBytes(s.image), status: 'imported' });
    expect(run(['verify', '--db', db]).status).toBe(0);
    const raw = new Database(db);
    raw.prepare("UPDATE events SET metadata = REPLACE(metadata, 'cli:', 'evil:') WHERE position = 9").run();
    raw.close();
    const v = run(['verify', '--db', db]);
    expect(v.status).toBe(1);
    expect(v.stderr).toMatch(/position 9/);
  });

  it('serve answers /healthz and { head } = 0 on a new database, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], { env: { ...process.env, LOG_LEVEL: 'silent', STRATA_WRITE_TOKEN: 't' } });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /serving GraphQL at (\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const base = url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true, head: 0, writable: true });
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ head }' }) });
    expect(await res.json()).toEqual({ data: { head: 0 } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
