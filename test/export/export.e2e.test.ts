/**
 * `strata export` as users run it (bin/strata.js), judged by the real tools:
 * skopeo reads every export, umoci unpacks to exactly Strata's merged view,
 * Docker Engine loads a docker-archive export with the same image ID and runs
 * it; an OCI image imported unchanged exports with its own manifest digest.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { buildAndSave, dockerRmi, sh } from '../helpers/busyboxImage';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
const ok = (args: string[], env: Record<string, string> = {}) => {
  const r = strata(args, env);
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const TAG = `strata-export-test:${process.pid}`;

/** Every path under root with its kind, mode bits and size (regular files), sorted. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const p = `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, p));
      const kind = st.isDirectory() ? 'DIRECTORY' : st.isSymbolicLink() ? 'SYMLINK' : 'FILE';
      out.push(`${p} ${kind} ${kind === 'FILE' ? st.size : 0}${kind === 'SYMLINK' ? ` -> ${fs.readlinkSync(path.join(root, p))}` : ''}`);
      if (st.isDirectory()) visit(p);
    }
  };
  visit('');
  return out.sort();
}

describeWithPeers(['docker', 'skopeo', 'umoci'])('strata export with the real tools', () => {
  let dir: string;
  let db: string;
  let saved: string;
  let imageId: string;
  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'data', 'strata.db');
    saved = buildAndSave(dir, TAG, [
      '/bin/busybox mkdir -p /data/sub && echo hello > /data/hello.txt && echo deep > /data/sub/x && /bin/busybox ln -s hello.txt /data/link',
      '/bin/busybox rm /data/sub/x && echo v2 > /data/hello.txt',
    ]);
    imageId = sh('docker', ['image', 'inspect', TAG, '--format', '{{.Id}}']).trim();
    ok(['import', saved, '--db', db]);
  });
  afterAll(() => { dockerRmi(TAG); fs.rmSync(dir, { recursive: true, force: true }); });

  it('keeps every blob in an OCI layout next to the database; the image is exportable', () => {
    const blobs = path.join(dir, 'data', 'blobs');
    expect(fs.existsSync(path.join(blobs, 'oci-layout'))).toBe(true);
    expect(fs.existsSync(path.join(blobs, 'blobs', 'sha256', imageId.slice(7)))).toBe(true);
    const q = JSON.parse(ok(['query', `{ image(ref: "${TAG}") { exportable layers { digest } } }`, '--db', db]));
    expect(q.data.image.exportable).toBe(true);
    for (const l of q.data.image.layers) expect(fs.existsSync(path.join(blobs, 'blobs', 'sha256', l.digest.slice(7)))).toBe(true);
  });

  it('docker-archive: docker load gives the same image ID and the image runs', () => {
    const out = path.join(dir, 'rt.tar');
    ok(['export', TAG, `docker-archive:${out}:strata-export-rt:${process.pid}`, '--db', db]);
    const loaded = `strata-export-rt:${process.pid}`;
    try {
      sh('docker', ['load', '-i', out]);
      expect(sh('docker', ['image', 'inspect', loaded, '--format', '{{.Id}}']).trim()).toBe(imageId);
      expect(sh('docker', ['run', '--rm', '--network', 'none', loaded, '/bin/busybox', 'cat', '/data/hello.txt'])).toBe('v2\n');
      expect(JSON.parse(sh('skopeo', ['inspect', `docker-archive:${out}`])).Layers).toHaveLength(3);
    } finally {
      dockerRmi(loaded);
    }
    // And back into a fresh ledger: the same image ID.
    const db2 = path.join(dir, 'again', 'strata.db');
    const summary = JSON.parse(ok(['import', out, '--db', db2, '--json']));
    expect(summary.images[0].imageId).toBe(imageId);
  });

  it('oci: skopeo reads it, and umoci unpack equals the merged view', () => {
    const layout = path.join(dir, 'layout');
    ok(['export', TAG, `oci:${layout}:v1`, '--db', db]);
    const inspected = JSON.parse(sh('skopeo', ['inspect', `oci:${layout}:v1`]));
    expect(inspected.Layers).toHaveLength(3);
    const bundle = path.join(dir, 'bundle');
    sh('umoci', ['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    const q = JSON.parse(ok(['query', `{ image(ref: "${TAG}") { files(recursive: true, first: 1000) { edges { node { path kind size linkTarget } } } } }`, '--db', db]));
    const merged = q.data.image.files.edges.map(({ node: n }: { node: { path: string; kind: string; size: number; linkTarget: string | null } }) =>
      `${n.path} ${n.kind} ${n.kind === 'FILE' ? n.size : 0}${n.kind === 'SYMLINK' ? ` -> ${n.linkTarget}` : ''}`).sort();
    expect(walk(path.join(bundle, 'rootfs'))).toEqual(merged);
    expect(merged).toContain('/data/hello.txt FILE 3');
    expect(merged.some((l: string) => l.startsWith('/data/sub/x'))).toBe(false);
  });

  it('oci-archive: skopeo copies it; an OCI image imported unchanged exports with its own manifest digest', () => {
    const arch = path.join(dir, 'img.oci.tar');
    ok(['export', TAG, `oci-archive:${arch}:v1`, '--db', db]);
    const copied = path.join(dir, 'copied');
    sh('skopeo', ['copy', `oci-archive:${arch}:v1`, `oci:${copied}:v1`]);
    // skopeo's own OCI layout of the image (its manifest, its compression): import, export, same digest.
    const theirs = path.join(dir, 'theirs');
    sh('skopeo', ['copy', `docker-archive:${saved}`, `oci:${theirs}:t`]);
    const theirIndex = JSON.parse(fs.readFileSync(path.join(theirs, 'index.json'), 'utf8'));
    const theirDigest = theirIndex.manifests[0].digest;
    const db3 = path.join(dir, 'oci', 'strata.db');
    ok(['import', theirs, '--db', db3, '--tag', 'theirs:1']);
    const back = path.join(dir, 'back');
    ok(['export', 'theirs:1', `oci:${back}:t`, '--db', db3]);
    expect(JSON.parse(fs.readFileSync(path.join(back, 'index.json'), 'utf8')).manifests[0].digest).toBe(theirDigest);
    expect(JSON.parse(sh('skopeo', ['inspect', `oci:${back}:t`])).Digest).toBe(theirDigest);
  });

  it('a damaged blob: export fails naming the digest and leaves no archive', () => {
    const db4 = path.join(dir, 'dmg', 'strata.db');
    ok(['import', saved, '--db', db4]);
    const q = JSON.parse(ok(['query', `{ image(ref: "${TAG}") { layers { digest } } }`, '--db', db4]));
    const victim: string = q.data.image.layers[2].digest;
    const file = path.join(dir, 'dmg', 'blobs', 'blobs', 'sha256', victim.slice(7));
    const bytes = fs.readFileSync(file);
    bytes.writeUInt8(bytes[bytes.length - 1]! ^ 0xff, bytes.length - 1);
    fs.writeFileSync(file, bytes);
    const out = path.join(dir, 'dmg.tar');
    const r = strata(['export', TAG, `docker-archive:${out}`, '--db', db4]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(victim);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('dmg.tar'))).toEqual([]);
  });
});
