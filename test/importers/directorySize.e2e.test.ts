/**
 * A directory header that declares a size (hand-made or hostile tars; Go's archive/tar, which Docker reads with,
 * and GNU tar both treat a directory as header-only: the next block is the next header). tar-stream hands such an
 * entry a stream that never ends; a reader that waits for its end waited forever, and with nothing else pending
 * Node exited with status 0: `strata import` "succeeded" without importing anything, and a commit that copies a
 * file up from such a layer never answered. Checked through the CLI a user runs, with a time limit: a hang fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { archiveTar, buildImage, dockerLegacy, sha256 } from '../helpers/archiveBuilder';
import { END_OF_ARCHIVE, rawEntry, splitTar, ustarHeader } from '../reliability/tarCraft';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {
  encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' },
});

/** A layer whose directory `d/` claims 512 bytes: those bytes are the header of `d/f` ("abc"). */
const layerWithSizedDirectory = (): Buffer => Buffer.concat([
  ustarHeader({ name: 'd/', type: '5', size: 512 }),
  rawEntry({ name: 'd/f', type: '0', mode: 0o644 }, Buffer.from('abc')),
  rawEntry({ name: 'e', type: '0' }, Buffer.from('second file')),
  END_OF_ARCHIVE,
]);

describe('a directory header that declares a size', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('in the outer archive: the import reads the next block as the next header and imports the image', async () => {
    const image = await buildImage({ layers: [{ entries: [{ name: 'hello', content: 'hi\n' }] }] });
    const { entries, rest } = splitTar(await archiveTar(dockerLegacy([{ image, repoTags: ['sized:1'] }])));
    const archive = path.join(dir, 'sized-dir.tar');
    // Claims 1,024 bytes; what follows is the archive's first real entry.
    fs.writeFileSync(archive, Buffer.concat([ustarHeader({ name: 'extra/', type: '5', size: 1024 }), ...entries, rest]));
    const db = path.join(dir, 'strata.db');

    const r = strata(['import', archive, '--db', db, '--json']);
    expect(r.error).toBeUndefined();
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const q = strata(['query', '{ image(ref: "sized:1") { imageId file(path: "/hello") { size } } }', '--db', db]);
    expect(JSON.parse(q.stdout).data.image).toEqual({ imageId: image.configDigest, file: { size: 3 } });
  });

  test('in a layer: imported, then a commit copies a file up from that layer blob and answers', async () => {
    const image = await buildImage({ layers: [{ entries: [], rawTar: layerWithSizedDirectory() }] });
    const archive = path.join(dir, 'sized-layer.tar');
    fs.writeFileSync(archive, await archiveTar(dockerLegacy([{ image, repoTags: ['sizedlayer:1'] }])));
    const db = path.join(dir, 'strata.db');
    const imp = strata(['import', archive, '--db', db]);
    expect(imp.status).toBe(0);
    const files = strata(['query', '{ image(ref: "sizedlayer:1") { f: file(path: "/d/f") { size } e: file(path: "/e") { size } } }', '--db', db]);
    expect(JSON.parse(files.stdout).data.image).toEqual({ f: { size: 3 }, e: { size: 11 } });

    // A mode change copies /d/f up whole: its bytes come out of the stored layer blob.
    const commit = strata(['query', `mutation { commit(input: { image: "sizedlayer:1", tag: "sizedlayer:2",
      changes: [{ change: MODIFIED, path: "/d/f", mode: 384 }] }) { image { exportable } layer { diffId } } }`, '--db', db]);
    expect(commit.error).toBeUndefined();
    expect(commit.signal).toBeNull();
    const answer = JSON.parse(commit.stdout);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.commit.image.exportable).toBe(true);
    const cat = strata(['cat', 'sizedlayer:2', '/d/f', '--db', db]);
    expect(cat.stdout).toBe('abc');
    expect(sha256(Buffer.from(cat.stdout))).toBe(sha256('abc'));
  });
});
