/**
 * dive's real archives (../shared/fixtures/dive, README.md there): every one
 * imports with the figures dive asserts. Expected DiffIDs are recomputed here
 * with node:crypto/zlib over the fixture bytes, independently of the importer.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import * as tar from 'tar-stream';
import { Readable } from 'node:stream';
import { readImages } from '../../src/importers';
import { DomainError } from '../../src/domain/errors';
import { skippingDescribe } from '../helpers/skip';

const DIR = join(__dirname, '../../../shared/fixtures/dive');
const present = existsSync(DIR);
const d = present ? describe : skippingDescribe(`dive's fixtures are not at ${DIR} (a clone without ../shared; CI has them)`);
const fx = (n: string): string => join(DIR, n);
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The files of a tar, read with tar-stream directly (not the importer). */
async function members(path: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tar.extract();
  Readable.from([readFileSync(path)]).pipe(ex);
  for await (const e of ex) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    out.set(e.header.name, Buffer.concat(parts));
  }
  return out;
}

const DIVE_SIZES = [1154361, 6405, 0, 6405, 6405, 6405, 6405, 6405, 6405, 0, 2187, 6405, 6405, 6405];

d('dive fixtures', () => {
  it('test-docker-image.tar: 14 layers with dive\'s sizes, total 1220598', async () => {
    const images = await readImages(fx('test-docker-image.tar'));
    expect(images).toHaveLength(1);
    const img = images[0]!;
    expect(img.layers.map((l) => l.size)).toEqual(DIVE_SIZES);
    expect(img.layers.reduce((n, l) => n + l.size, 0)).toBe(1220598);
    expect(img.repoTags).toEqual(['dive-test:latest']);
    expect(img.manifestDigest).toBeNull();
    const m = await members(fx('test-docker-image.tar'));
    const manifest = JSON.parse(m.get('manifest.json')!.toString()) as { Config: string; Layers: string[] }[];
    const config = m.get(manifest[0]!.Config)!;
    expect(img.imageId).toBe(sha(config));
    expect(img.config).toBe(config.toString('utf8'));
    // Every layer.tar is uncompressed: DiffID = sha256 of the stored file.
    expect(img.layers.map((l) => l.diffId)).toEqual(manifest[0]!.Layers.map((p) => sha(m.get(p)!)));
    expect(img.layers.map((l) => l.diffId)).toEqual(JSON.parse(config.toString()).rootfs.diff_ids);
    expect(img.architecture).toBe('amd64');
    expect(img.os).toBe('linux');
    // History: 14 non-empty entries own the 14 layers in order.
    const owned = img.history.filter((h) => !h.emptyLayer).map((h) => h.layerIndex);
    expect(owned).toEqual(DIVE_SIZES.map((_, i) => i));
    // The layer where /somefile.txt is added (README.md, 6405 bytes).
    const add = img.layers[1]!.entries.find((e) => e.path === '/somefile.txt');
    expect(add).toMatchObject({ kind: 'FILE', size: 6405 });
    // `rm -rf /root/example/` (layer 9) is a whiteout of /root/example.
    expect(img.layers[9]!.entries).toContainEqual(expect.objectContaining({ kind: 'WHITEOUT', path: '/root/example' }));
    // busybox hard links: normalized absolute targets, size 0 as recorded.
    const hl = img.layers[0]!.entries.find((e) => e.kind === 'HARDLINK');
    expect(hl?.linkTarget).toMatch(/^\/bin\//);
    expect(hl?.size).toBe(0);
  });

  it('test-kaniko-image.tar: 14 gzip layers, verified against the config', async () => {
    const [img] = await readImages(fx('test-kaniko-image.tar'));
    expect(img!.layers).toHaveLength(14);
    expect(img!.repoTags).toEqual(['dive-test:kaniko-latest']);
    const m = await members(fx('test-kaniko-image.tar'));
    const manifest = JSON.parse(m.get('manifest.json')!.toString()) as { Config: string; Layers: string[] }[];
    const blobs = manifest[0]!.Layers.map((p) => m.get(p)!);
    expect(img!.layers.map((l) => l.digest)).toEqual(blobs.map(sha));
    expect(img!.layers.map((l) => l.compressedSize)).toEqual(blobs.map((b) => b.length));
    expect(img!.layers.map((l) => l.diffId)).toEqual(blobs.map((b) => sha(gunzipSync(b))));
    expect(img!.imageId).toBe(sha(m.get(manifest[0]!.Config)!));
    // The same Dockerfile as the docker fixture: 0-byte layers at the same places.
    expect(img!.layers.map((l) => l.size === 0)).toEqual(DIVE_SIZES.map((s) => s === 0));
  });

  const OCI = ['uncompressed', 'gzip', 'zstd', 'estargz'] as const;

  it.each(OCI)('test-oci-%s-image.tar: one arm64 layer holding README.md (11189 bytes)', async (kind) => {
    const path = fx(`test-oci-${kind}-image.tar`);
    const [img] = await readImages(path);
    expect(img!.architecture).toBe('arm64');
    expect(img!.layers).toHaveLength(1);
    const layer = img!.layers[0]!;
    expect(layer.entries.map((e) => [e.path, e.kind, e.size])).toEqual([['/README.md', 'FILE', 11189]]);
    expect(layer.size).toBe(11189);
    expect(layer.fileCount).toBe(1);
    const readme = readFileSync(fx('not-an-image-rootfs.tar')).subarray(512, 512 + 11189);
    expect(layer.entries[0]!.contentDigest).toBe(sha(readme));
    // Independent DiffID: sha256 of the whole decompressed blob.
    const m = await members(path);
    const index = JSON.parse(m.get('index.json')!.toString());
    const manifestDigest = index.manifests[0].digest as string;
    expect(img!.manifestDigest).toBe(manifestDigest);
    const manifest = JSON.parse(m.get(`blobs/sha256/${manifestDigest.slice(7)}`)!.toString());
    const blob = m.get(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`)!;
    const raw = kind === 'uncompressed' ? blob : kind === 'zstd' ? execFileSync('/usr/bin/zstd', ['-d', '-c'], { input: blob }) : gunzipSync(blob);
    expect(layer.diffId).toBe(sha(raw));
    expect(layer.digest).toBe(sha(blob));
    expect(layer.mediaType).toBe(manifest.layers[0].mediaType);
    expect(img!.imageId).toBe(manifest.config.digest);
  });

  it('the uncompressed, gzip and zstd fixtures share one DiffID and entry list; eStargz has its own DiffID (its TOC follows the end-of-archive blocks) but the same entries', async () => {
    const got = await Promise.all(OCI.map(async (k) => (await readImages(fx(`test-oci-${k}-image.tar`)))[0]!.layers[0]!));
    const [plain, gz, zst, estargz] = got;
    expect(gz!.diffId).toBe(plain!.diffId);
    expect(zst!.diffId).toBe(plain!.diffId);
    expect(estargz!.diffId).not.toBe(plain!.diffId);
    for (const l of got) expect(l.entriesDigest).toBe(plain!.entriesDigest);
  });

  it('not-an-image-rootfs.tar is refused with a clear one-line message', async () => {
    const err = await readImages(fx('not-an-image-rootfs.tar')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('INVALID_ARCHIVE');
    expect((err as DomainError).message).toMatch(/not an image archive: no manifest\.json or index\.json \(this looks like a root filesystem tar\)/);
    expect((err as DomainError).message).not.toMatch(/\n/);
  });
});
