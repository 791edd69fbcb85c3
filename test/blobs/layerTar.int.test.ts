/**
 * The tars Strata writes for commits (src/application/realLayers): whiteouts
 * and opaque markers named and placed as Docker and the OCI spec do, PAX for
 * long or non-ASCII names, deterministic bytes; read back by GNU tar.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FsBlobStore } from '../../src/blobs';
import { tarRecords } from '../../src/application/realLayers/layerTar';
import { writeLayer } from '../../src/application/realLayers/writeLayer';
import type { LayerEntry } from '../../src/domain/layerEntry';
import { tempDir } from '../helpers/backends';

const e = (path: string, kind: LayerEntry['kind'], extra: Partial<LayerEntry> = {}): LayerEntry =>
  ({ path, kind, size: 0, mode: null, uid: 0, gid: 0, linkTarget: null, contentDigest: null, ...extra });
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('layer tars', () => {
  let dir: string;
  let store: FsBlobStore;
  beforeEach(() => { dir = tempDir(); store = new FsBlobStore(path.join(dir, 'blobs')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const longName = `/deep/${'n'.repeat(150)}/fájl.txt`;
  const entries: LayerEntry[] = [
    e('/z', 'FILE', { size: 5, contentDigest: sha('hello'), mode: 0o600 }),
    e('/dir', 'OPAQUE_WHITEOUT'),
    e('/dir', 'DIRECTORY', { mode: 0o755 }),
    e('/dir/a', 'FILE', { size: 5, contentDigest: sha('hello') }),
    e('/dir/gone', 'WHITEOUT'),
    e('/dir/ln', 'HARDLINK', { linkTarget: '/z' }),
    e('/dir/sym', 'SYMLINK', { linkTarget: '../z' }),
    e('/deep', 'DIRECTORY'),
    e(longName, 'FILE', { size: 5, contentDigest: sha('hello') }),
  ];

  async function build() {
    const s = await store.session();
    await s.put(Buffer.from('hello'));
    const built = await writeLayer(store, s, tarRecords(entries, 1700000000));
    await s.close();
    return built;
  }

  it('orders entries as Docker does and GNU tar reads every name, including PAX ones', async () => {
    const built = await build();
    const tar = gunzipSync(fs.readFileSync(path.join(dir, 'blobs', 'blobs', 'sha256', built.digest.slice(7))));
    expect(sha(tar)).toBe(built.diffId);
    const file = path.join(dir, 'layer.tar');
    fs.writeFileSync(file, tar);
    const listed = spawnSync('tar', ['tf', file], { encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'deep/', longName.slice(1), 'dir/', 'dir/.wh..wh..opq', 'dir/.wh.gone', 'dir/a', 'dir/sym', 'z', 'dir/ln',
    ]);
    const verbose = spawnSync('tar', ['tvf', file, '--numeric-owner', '--full-time'], { encoding: 'utf8' }).stdout;
    expect(verbose).toMatch(/^-rw------- 0\/0 +5 2023-11-14 22:13:20 z$/m);
    expect(verbose).toMatch(/^hrw-r--r-- .* dir\/ln link to z$/m);
    const out = path.join(dir, 'x');
    fs.mkdirSync(out);
    expect(spawnSync('tar', ['xf', file, '-C', out]).status).toBe(0);
    expect(fs.readFileSync(path.join(out, longName), 'utf8')).toBe('hello');
  });

  it('the same entries at the same time give the same DiffID and the same blob', async () => {
    const a = await build();
    store = new FsBlobStore(path.join(dir, 'blobs2'));
    const b = await build();
    expect(b).toEqual(a);
  });
});
