/**
 * What a new user hit on a first run (issue 14): a mistyped --db, what
 * migrate says, and the write token across restarts and on a public host.
 * Everything goes through bin/strata.js, as users run it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { BIN, gqlHttp } from '../helpers/serverProcess';
import { archiveTar, buildImage, indexJson, manifestDescriptor, ociLayout } from '../helpers/archiveBuilder';

const baseEnv = () => {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.STRATA_WRITE_TOKEN;
  delete env.STRATA_DB;
  return env;
};
// A server that starts when it should refuse would never exit: the timeout makes that a failure.
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...baseEnv(), ...env }, timeout: 30_000 });

/** Starts serve; resolves with its URL and everything it wrote on stderr up to "serving". */
async function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const { url, stderr } = await new Promise<{ url: string; stderr: string }>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /serving GraphQL at (\S+)/.exec(err);
      if (m) resolve({ url: m[1]!, stderr: err });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const stop = () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
  return { url, stderr, stop };
}

describe('first run', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['query', '{ head }'],
    ['verify'],
    ['rebuild'],
    ['export-log'],
  ])('%s refuses a database that does not exist: one line, exit 2, nothing created', (...cmd) => {
    const db = path.join(dir, 'no', 'such', 'typo.db');
    const r = run([...cmd, '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`strata: no database: ${db} does not exist (check --db or $STRATA_DB; serve, import, migrate and import-log create one)\n`);
    expect(fs.existsSync(path.join(dir, 'no'))).toBe(false);
  });

  it('migrate names the migrations it applied, then says there is nothing to apply', () => {
    const db = path.join(dir, 'new', 'strata.db');
    const first = run(['migrate', '--db', db]);
    expect(first.status).toBe(0);
    const names = fs.readdirSync(path.resolve(__dirname, '..', '..', 'migrations')).filter((f) => f.endsWith('.ts')).sort().map((f) => {
      const [stamp, name] = path.basename(f, '.ts').split('-');
      return `${name}${stamp}`;
    });
    expect(first.stdout).toBe(`migrations: applied ${names.join(', ')}\n`);
    expect(run(['migrate', '--db', db]).stdout).toBe('migrations: up to date (nothing to apply)\n');
    // Now it exists: verify passes on it.
    expect(run(['verify', '--db', db]).status).toBe(0);
  });

  it('without STRATA_WRITE_TOKEN the write token is generated once, kept in the data folder (0600), and survives a restart', async () => {
    const db = path.join(dir, 'data', 'strata.db');
    const tokenFile = path.join(dir, 'data', 'write-token');
    const first = await serve(['--db', db]);
    let token: string;
    try {
      expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600);
      token = fs.readFileSync(tokenFile, 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(first.stderr).toContain(tokenFile);
      const ok = await gqlHttp(first.url, 'mutation { tagImage(image: "sha256:00", tag: "x:1", expectedVersion: 0) { imageId } }', undefined, token);
      expect(ok.errors?.[0]?.extensions?.code).not.toBe('UNAUTHENTICATED');
    } finally {
      await first.stop();
    }
    const second = await serve(['--db', db]);
    try {
      expect(fs.readFileSync(tokenFile, 'utf8').trim()).toBe(token);
      expect(second.stderr).toContain(tokenFile);
      expect(second.stderr).not.toContain(token); // printed once, when generated
      const again = await gqlHttp(second.url, 'mutation { tagImage(image: "sha256:00", tag: "x:1", expectedVersion: 0) { imageId } }', undefined, token);
      expect(again.errors?.[0]?.extensions?.code).not.toBe('UNAUTHENTICATED');
      const wrong = await gqlHttp(second.url, 'mutation { tagImage(image: "sha256:00", tag: "x:1", expectedVersion: 0) { imageId } }', undefined, 'nope');
      expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await second.stop();
    }
  });

  it('a non-loopback --host with no token configured refuses to start with one line', () => {
    const db = path.join(dir, 'data', 'strata.db');
    const r = run(['serve', '--port', '0', '--host', '0.0.0.0', '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^strata: refusing to listen on 0\.0\.0\.0 with no write token configured: set STRATA_WRITE_TOKEN .*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(fs.existsSync(path.join(dir, 'data', 'write-token'))).toBe(false);
  });

  it('a non-loopback --host starts when STRATA_WRITE_TOKEN is set', async () => {
    const s = await serve(['--host', '0.0.0.0', '--db', path.join(dir, 'strata.db')], { STRATA_WRITE_TOKEN: 'chosen' });
    await s.stop();
    expect(s.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/graphql$/);
  });

  it('a JSON file given to import is called what it is', () => {
    const json = path.join(dir, 'index.json');
    fs.writeFileSync(json, '{"schemaVersion":2,"manifests":[]}');
    const r = run(['import', json, '--db', path.join(dir, 'strata.db')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`strata: invalid archive: not an image archive: ${json} is a JSON document, not a tar; give the docker save tar, the OCI layout tar, or the OCI layout directory that holds it\n`);
  });

  it('an OCI layout whose ref.name is a bare tag imports untagged with a one-line notice naming --repo; with --repo it is tagged', async () => {
    const img = await buildImage({ layers: [{ entries: [{ name: 'a.txt', content: 'a' }] }] });
    const layout = path.join(dir, 'buildah.tar');
    fs.writeFileSync(layout, await archiveTar(ociLayout([img], indexJson([manifestDescriptor(img, { annotations: { 'org.opencontainers.image.ref.name': '1.0' } })]))));
    const bare = run(['import', layout, '--db', path.join(dir, 'a.db')]);
    expect(bare.status).toBe(0);
    expect(bare.stdout).toContain('<untagged>');
    expect(bare.stderr).toBe('strata: notice: ref.name "1.0" is only a tag (as buildah push oci:DIR:TAG writes it); the image stays untagged: give --repo NAME to import it as NAME:1.0\n');
    const named = run(['import', layout, '--repo', 'app', '--db', path.join(dir, 'b.db')]);
    expect(named.status).toBe(0);
    expect(named.stdout).toContain('app:1.0');
    expect(named.stderr).toBe('');
  });

  it('serve logs that it listens once', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', path.join(dir, 'strata.db')],
      { env: { ...baseEnv(), LOG_LEVEL: 'info', STRATA_WRITE_TOKEN: 'w' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => { err += d; if (/serving GraphQL at/.test(err)) resolve(); });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    // 'close', not 'exit': the exit event can arrive before the last stdout chunk is read.
    await new Promise<void>((resolve) => { child.once('close', () => resolve()); child.kill('SIGTERM'); });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; url?: string });
    const announcing = lines.filter((l) => l.url !== undefined && /listen|serving/.test(l.msg));
    expect(announcing.map((l) => l.msg)).toEqual(['listening']);
  });
});
