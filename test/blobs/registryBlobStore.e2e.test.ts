/**
 * The registry-backed blob store (src/blobs/registryBlobStore.ts) against a
 * real Distribution: blobs written, deduplicated, read back verified; bytes
 * damaged in the registry's own storage are caught; inventories list the
 * store and keep its blobs alive through Distribution's own garbage
 * collector (the oracle: `docker-registry garbage-collect`); and two Strata
 * processes on one database share blobs with no shared disk, checked with
 * skopeo reading what Strata exported.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BlobDamagedError } from '../../src/blobs';
import { RegistryBlobStore } from '../../src/blobs/registryBlobStore';
import { RegistryClient } from '../../src/registry';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { startRegistry, skopeo, type TestRegistry } from '../helpers/registry';
import { archiveTar, buildImage, indexJson, manifestDescriptor, ociLayout } from '../helpers/archiveBuilder';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
async function collectList(store: RegistryBlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list()) out.push(b.digest);
  return out;
}
/** The registry's own answer to a blob GET: its status code. */
function blobStatus(reg: TestRegistry, repo: string, digest: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(`http://${reg.host}/v2/${repo}/blobs/${digest}`, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
}
/** Where Distribution's filesystem driver keeps a blob's bytes. */
const dataFile = (reg: TestRegistry, digest: string) =>
  path.join(reg.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');

describeWithPeers(['registry', 'skopeo'])('registry-backed blob store (STRATA_BLOBS=docker://HOST/REPO)', () => {
  let dir: string;
  let reg: TestRegistry;
  let store: RegistryBlobStore;
  let repoCounter = 0;
  beforeAll(async () => { dir = tempDir(); reg = await startRegistry(path.join(dir, 'registry')); });
  afterAll(async () => { await reg?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });
  beforeEach(() => {
    const repo = `blobs${repoCounter++}`;
    store = new RegistryBlobStore(`docker://${reg.host}/${repo}`, new RegistryClient(reg.host, { tlsVerify: false }), repo);
  });
  const repoOf = () => store.location.split('/').slice(3).join('/');

  it('writes a blob into the repository, reads it back verified, and lists it once its session closes', async () => {
    const bytes = Buffer.from('a layer that lives in a registry');
    const s = await store.session();
    const info = await s.write([bytes.subarray(0, 7), bytes.subarray(7)]);
    expect(info).toEqual({ digest: sha(bytes), size: bytes.length });
    // The registry itself holds it (asked directly, not through Strata).
    expect(await blobStatus(reg, repoOf(), info.digest)).toBe(200);
    expect(await collectList(store)).toEqual([]);
    await s.close();
    expect(await collectList(store)).toEqual([info.digest]);
    expect(await store.stat(info.digest)).toBe(bytes.length);
    expect(await store.stat(sha('absent'))).toBeNull();
    expect(await readStream(store.read(info.digest))).toEqual(bytes);
    expect(await store.readAll(info.digest)).toEqual(bytes);
    expect(await store.head(info.digest, 7)).toEqual(bytes.subarray(0, 7));
    expect(await store.verify(info.digest)).toBeNull();
  });

  it('a blob whose bytes do not match what the writer expected is refused and never reaches the registry', async () => {
    const s = await store.session();
    const bytes = Buffer.from('forged');
    await expect(s.put(bytes, { digest: sha('something else') })).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    await expect(s.put(bytes, { size: 99 })).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    await s.close();
    expect(await blobStatus(reg, repoOf(), sha(bytes))).toBe(404);
    expect(await collectList(store)).toEqual([]);
  });

  it('bytes damaged in the registry storage end the read with BlobDamagedError; a missing blob is NOT_FOUND', async () => {
    const bytes = Buffer.from('original bytes of a blob');
    const s = await store.session();
    const { digest } = await s.put(bytes);
    await s.close();
    const damaged = Buffer.from(bytes);
    damaged[0] = damaged[0]! ^ 0xff;
    fs.writeFileSync(dataFile(reg, digest), damaged);
    await expect(readStream(store.read(digest))).rejects.toBeInstanceOf(BlobDamagedError);
    await expect(store.readAll(digest)).rejects.toMatchObject({ code: 'BLOB_DAMAGED', actual: sha(damaged) });
    expect(await store.verify(digest)).toBe(sha(damaged));
    const absent = sha('never written');
    await expect(readStream(store.read(absent))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.verify(absent)).toBe('missing');
  });

  it('writing a blob the repository has is a no-op that still lists it for the session (a dedup hit stays referenced)', async () => {
    const bytes = Buffer.from('shared layer');
    const a = await store.session();
    await a.put(bytes);
    await a.close();
    const b = await store.session();
    await b.touch(sha(bytes));
    await b.put(bytes);
    await b.close();
    expect(await collectList(store)).toEqual([sha(bytes)]);
  });

  it('gc unreferences what the ledger no longer needs, spares an inventory written meanwhile, and the registry GC frees only those', async () => {
    const keep = Buffer.from('kept by a live image');
    const drop = Buffer.from('referenced by nothing any more');
    const late = Buffer.from('written by a session that closed while gc ran');
    const s = await store.session();
    await s.put(keep);
    await s.put(drop);
    await s.close();

    const dry = await store.collect(async () => new Set([sha(keep)]), { dryRun: true });
    expect(dry.removed).toEqual([{ digest: sha(drop), size: drop.length }]);
    expect((await collectList(store)).sort()).toEqual([sha(keep), sha(drop)].sort());

    const result = await store.collect(async () => {
      // A concurrent session closes after gc read the inventories: its inventory must survive.
      const other = await store.session();
      await other.put(late);
      await other.close();
      return new Set([sha(keep)]);
    });
    expect(result.removed).toEqual([{ digest: sha(drop), size: drop.length }]);
    expect((await collectList(store)).sort()).toEqual([sha(keep), sha(late)].sort());

    // Distribution's own collector is the oracle: what the inventories reference survives it, the rest goes.
    await reg.stop();
    const gc = spawnSync('docker-registry', ['garbage-collect', path.join(reg.dir, 'config.yml')], { encoding: 'utf8' });
    expect(gc.status).toBe(0);
    reg = await startRegistry(reg.dir, { port: Number(reg.host.split(':')[1]) });
    expect(await blobStatus(reg, repoOf(), sha(keep))).toBe(200);
    expect(await blobStatus(reg, repoOf(), sha(late))).toBe(200);
    expect(await blobStatus(reg, repoOf(), sha(drop))).toBe(404);
    expect(await readStream(store.read(sha(keep)))).toEqual(keep);
  });

  describe.each(backendNames())('two Strata processes on one %s ledger, blobs only in the registry', (backend) => {
    let db: TestDb;
    beforeAll(async () => { db = await freshDb(backend); });
    afterAll(async () => { await db.drop(); });

    it('one imports, the other (another directory, no shared disk) exports what skopeo reads back byte for byte', async () => {
      const secured = await startRegistry(path.join(dir, `secured-${backend}`), { htpasswd: { user: 'strata', pass: 'pw' } });
      try {
        const authFile = path.join(dir, `auth-${backend}.json`);
        fs.writeFileSync(authFile, JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from('strata:pw').toString('base64') } } }));
        const env = {
          ...process.env, LOG_LEVEL: 'silent', STRATA_BLOBS: `docker://${secured.host}/strata/blobs`,
          REGISTRY_AUTH_FILE: authFile, STRATA_INSECURE_REGISTRIES: secured.host,
        };
        const img = await buildImage({ layers: [
          { entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=strata\n' }] },
          { entries: [{ name: 'app.txt', content: 'version 1\n' }] },
        ] });
        const work = [path.join(dir, `a-${backend}`), path.join(dir, `b-${backend}`)];
        for (const w of work) fs.mkdirSync(w);
        const archive = path.join(work[0]!, 'app.tar');
        fs.writeFileSync(archive, await archiveTar(ociLayout([img], indexJson([manifestDescriptor(img,
          { annotations: { 'org.opencontainers.image.ref.name': '1' } })]))));
        const run = (cwd: string, args: string[]) => spawnSync(process.execPath, [BIN, ...args, '--db', db.url], { cwd, env, encoding: 'utf8' });

        const imported = run(work[0]!, ['import', archive, '--repo', 'app']);
        expect(imported.stderr).toBe('');
        expect(imported.status).toBe(0);
        // Nothing was written to a local blob directory.
        expect(fs.readdirSync(work[0]!)).toEqual(['app.tar']);

        const out = path.join(work[1]!, 'out');
        const exported = run(work[1]!, ['export', 'app:1', `oci:${out}:app`]);
        expect(exported.stderr).toBe('');
        expect(exported.status).toBe(0);
        const inspected = JSON.parse(skopeo(['inspect', `oci:${out}:app`])) as { Layers: string[] };
        expect(inspected.Layers).toEqual(img.layers.map((l) => l.digest));
        // skopeo verifies every blob it copies against its digest.
        skopeo(['copy', `oci:${out}:app`, `oci:${path.join(work[1]!, 'copy')}:app`]);

        // A wrong password is a one-line error with a hint, not a stack trace.
        fs.writeFileSync(authFile, JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from('strata:wrong').toString('base64') } } }));
        const refused = run(work[1]!, ['export', 'app:1', `oci:${path.join(work[1]!, 'again')}:app`]);
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toMatch(/^strata: .*registry .* refused access.*--authfile/);
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await secured.stop();
      }
    });
  });
});
