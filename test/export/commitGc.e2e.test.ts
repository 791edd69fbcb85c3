/**
 * `strata commit --layer / --from-dir`, `strata gc`, `strata verify --blobs`
 * and kill -9 mid-import, as users run them (bin/strata.js), with Docker
 * Engine as the judge of what the commits made.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { buildAndSave, dockerRmi, sh } from '../helpers/busyboxImage';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
const ok = (args: string[]) => {
  const r = strata(args);
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const id = process.pid;
const BASE = `strata-cg-base:${id}`;

describeWithPeers(['docker', 'skopeo'])('strata commit --layer/--from-dir, gc, verify --blobs', () => {
  let dir: string;
  let db: string;
  let saved: string;
  const loaded: string[] = [];
  const blobFile = (digest: string) => path.join(dir, 'data', 'blobs', 'blobs', 'sha256', digest.slice(7));
  const q = (doc: string) => JSON.parse(ok(['query', doc, '--db', db]));
  const run = (ref: string, cmd: string) => {
    const name = `strata-cg-out:${loaded.length}-${id}`;
    const out = path.join(dir, `${loaded.length}.tar`);
    ok(['export', ref, `docker-archive:${out}:${name}`, '--db', db]);
    sh('docker', ['load', '-i', out]);
    loaded.push(name);
    return sh('docker', ['run', '--rm', '--network', 'none', name, '/bin/busybox', 'sh', '-c', cmd]);
  };

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'data', 'strata.db');
    saved = buildAndSave(dir, BASE, ['/bin/busybox mkdir -p /etc/app && echo v1 > /etc/app/conf && echo keep > /keep && echo bye > /gone']);
    ok(['import', saved, '--db', db]);
  });
  afterAll(() => { dockerRmi(BASE, ...loaded); fs.rmSync(dir, { recursive: true, force: true }); });

  it('--layer appends a prebuilt gzip layer as crane append does; the image runs with it', () => {
    const src = path.join(dir, 'layer-src');
    fs.mkdirSync(path.join(src, 'opt'), { recursive: true });
    fs.writeFileSync(path.join(src, 'opt', 'tool'), 'from a layer tar\n');
    const tgz = path.join(dir, 'layer.tar.gz');
    sh('tar', ['-C', src, '-czf', tgz, 'opt']);
    const r = JSON.parse(ok(['commit', BASE, '--layer', tgz, '--tag', 'cg-layer:1', '--json', '--db', db]));
    // The blob is kept exactly as given.
    expect(fs.readFileSync(blobFile(r.digest))).toEqual(fs.readFileSync(tgz));
    expect(run('cg-layer:1', 'cat /opt/tool /keep')).toBe('from a layer tar\nkeep\n');
    const bad = path.join(dir, 'not-a-layer.tar');
    fs.writeFileSync(bad, 'this is not a tar at all'.repeat(40));
    const head = q('{ head }').data.head;
    const refused = strata(['commit', BASE, '--layer', bad, '--db', db]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(q('{ head }').data.head).toBe(head);
  });

  it('--from-dir commits the difference with the merged view, deletions as whiteouts', () => {
    const layout = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(layout, 'etc', 'app'), { recursive: true });
    fs.copyFileSync('/bin/busybox', path.join(layout, 'bin-busybox'));
    fs.mkdirSync(path.join(layout, 'bin'));
    fs.renameSync(path.join(layout, 'bin-busybox'), path.join(layout, 'bin', 'busybox'));
    fs.chmodSync(path.join(layout, 'bin', 'busybox'), 0o755);
    fs.chmodSync(path.join(layout, 'bin'), 0o755);
    fs.chmodSync(path.join(layout, 'etc'), 0o755);
    fs.chmodSync(path.join(layout, 'etc', 'app'), 0o755);
    fs.writeFileSync(path.join(layout, 'etc', 'app', 'conf'), 'v2\n');
    fs.writeFileSync(path.join(layout, 'keep'), 'keep\n');
    fs.chmodSync(path.join(layout, 'keep'), 0o644);
    fs.chmodSync(path.join(layout, 'etc', 'app', 'conf'), 0o644);
    ok(['commit', BASE, '--from-dir', layout, '--tag', 'cg-dir:1', '--db', db]);
    const diff = q(`{ diff(from: "${BASE}", to: "cg-dir:1") { edges { node { path change } } } }`).data.diff.edges.map((e: any) => `${e.node.change} ${e.node.path}`);
    expect(diff).toEqual(['MODIFIED /etc/app/conf', 'DELETED /gone']);
    expect(run('cg-dir:1', 'cat /etc/app/conf; ls /gone 2>&1 | grep -c "No such"')).toBe('v2\n1\n');
  });

  it('gc deletes what no live image references, records it, and spares everything live; verify --blobs names a damaged blob', () => {
    const layerDigest = q('{ image(ref: "cg-layer:1") { layers { digest } } }').data.image.layers.at(-1).digest;
    ok(['query', 'mutation { removeImage(ref: "cg-layer:1") { freedBytes } }', '--db', db]);
    const dry = ok(['gc', '--dry-run', '--db', db]);
    expect(dry).toContain(layerDigest);
    expect(fs.existsSync(blobFile(layerDigest))).toBe(true);
    const r = JSON.parse(ok(['gc', '--json', '--db', db]));
    expect(r.removed.map((b: any) => b.digest)).toContain(layerDigest);
    expect(fs.existsSync(blobFile(layerDigest))).toBe(false);
    const ev = q('{ events(types: ["BlobsCollected"]) { edges { node { data } } } }').data.events.edges;
    expect(ev).toHaveLength(1);
    expect(ev[0].node.data.removed.map((b: any) => b.digest)).toContain(layerDigest);
    // gc also refreshed the store's index.json: skopeo opens the store itself by tag.
    const inspected = JSON.parse(sh('skopeo', ['inspect', `oci:${path.join(dir, 'data', 'blobs')}:cg-dir:1`]));
    expect(inspected.Layers.at(-1)).toBe(q('{ image(ref: "cg-dir:1") { layers { digest } } }').data.image.layers.at(-1).digest);
    // Live images still export and run.
    expect(run(BASE, 'cat /keep')).toBe('keep\n');
    expect(q(`{ image(ref: "cg-dir:1") { exportable } }`).data.image.exportable).toBe(true);
    expect(ok(['verify', '--blobs', '--db', db])).toMatch(/blobs .* re-hashed/);
    const victim = q(`{ image(ref: "cg-dir:1") { layers { digest } } }`).data.image.layers.at(-1).digest;
    const bytes = fs.readFileSync(blobFile(victim));
    bytes.writeUInt8(bytes[20]! ^ 0x01, 20);
    fs.writeFileSync(blobFile(victim), bytes);
    const v = strata(['verify', '--blobs', '--db', db]);
    expect(v.status).toBe(1);
    expect(v.stderr).toContain(victim);
    expect(v.stderr).toContain('cg-dir:1');
  });

  it('kill -9 mid-import: readers see nothing of it, and gc removes the leftovers', async () => {
    const db2 = path.join(dir, 'killed', 'strata.db');
    ok(['migrate', '--db', db2]);
    const ingest = path.join(dir, 'killed', 'blobs', '.ingest');
    const child = spawn(process.execPath, [BIN, 'import', '-', '--db', db2], { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, LOG_LEVEL: 'silent' } });
    child.stdin.on('error', () => undefined); // EPIPE once it is killed
    const tar = fs.readFileSync(saved);
    child.stdin.write(tar.subarray(0, Math.floor(tar.length / 2)));
    // Wait until the import has a temp file of a blob in flight, then kill it hard.
    const partial = () => fs.existsSync(ingest) && fs.readdirSync(ingest).some((s) => fs.readdirSync(path.join(ingest, s)).some((f) => f !== 'lease'));
    for (let i = 0; i < 300 && !partial(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(partial()).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(JSON.parse(ok(['query', '{ head images { totalCount } }', '--db', db2])).data).toEqual({ head: 0, images: { totalCount: 0 } });
    const r = JSON.parse(ok(['gc', '--json', '--db', db2]));
    expect(r.leftovers).toBeGreaterThan(0);
    expect(fs.readdirSync(ingest)).toEqual([]);
  });

  it('the disk filling during an import: one line, no partial blob visible, nothing appended', () => {
    const mnt = path.join(dir, 'small');
    fs.mkdirSync(mnt);
    // A 1 MiB filesystem for the blob store (needs root, as CI runs; elsewhere this check is skipped with a banner).
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      // eslint-disable-next-line no-console
      console.warn('SKIPPED disk-full check: cannot mount a small tmpfs here (needs root)');
      return;
    }
    try {
      const db3 = path.join(dir, 'full', 'strata.db');
      ok(['migrate', '--db', db3]);
      const r = strata(['import', saved, '--db', db3, '--blobs', path.join(mnt, 'store')]);
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('no space left on device');
      expect(q('{ head }').data.head).toBeGreaterThan(0); // the other ledger is untouched
      expect(JSON.parse(ok(['query', '{ head }', '--db', db3])).data.head).toBe(0);
      const blobsDir = path.join(mnt, 'store', 'blobs', 'sha256');
      for (const f of fs.readdirSync(blobsDir)) {
        expect(sh('sha256sum', [path.join(blobsDir, f)]).slice(0, 64)).toBe(f);
      }
      expect(fs.readdirSync(path.join(mnt, 'store', '.ingest'))).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
