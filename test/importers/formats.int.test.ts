/**
 * Every archive format of docs/domain.md §6, built in the test with
 * test/helpers/archiveBuilder.ts; expectations come from the bytes built.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { spawn } from 'node:child_process';
import { readImages, type ImportedImage } from '../../src/importers';
import {
  addBlob, archiveTar, blobName, buildImage, buildLayer, docker25, dockerLegacy, gzip, indexJson, kanikoTarball, manifestDescriptor,
  ociLayout, sha256, writeDir, zstd, type BuiltImage, type Compression, type LayerSpec,
} from '../helpers/archiveBuilder';

const OSR = 'ID=alpine\nVERSION_ID=3.19.1\n';
const fromBuffer = (b: Buffer): Readable => Readable.from([b]);

const base: LayerSpec = {
  entries: [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: OSR },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: 'x'.repeat(1000), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'bin/ls', type: 'link', linkname: './bin/busybox' },
  ],
};
const top: LayerSpec = {
  entries: [
    { name: 'etc/.wh.os-release' },
    { name: 'var/lib/.wh..wh..opq' },
    { name: 'var/lib/.wh..wh.plnk' },
    { name: 'var/lib/new', content: 'hello' },
    { name: 'app.txt', content: 'v1' },
    { name: 'app.txt', content: 'v2!' },
  ],
};

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-import-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectMatches(img: ImportedImage, built: BuiltImage): void {
  expect(img.imageId).toBe(built.configDigest);
  expect(img.config).toBe(built.config.toString('utf8'));
  expect(img.layers.map((l) => l.diffId)).toEqual(built.layers.map((l) => l.diffId));
  expect(img.layers.map((l) => l.digest)).toEqual(built.layers.map((l) => l.digest));
  expect(img.layers.map((l) => l.compressedSize)).toEqual(built.layers.map((l) => l.blob.length));
  expect(img.layers.map((l) => l.size)).toEqual(built.layers.map((l) => l.fileBytes));
}

describe('layer contents', () => {
  it('maps entries in archive order: whiteouts, opaque, AUFS metadata ignored, links, duplicates, digests, os-release kept', async () => {
    const built = await buildImage({ layers: [base, top] });
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([built]))));
    const [l0, l1] = img!.layers;
    expect(l0!.entries).toEqual([
      { path: '/etc', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null },
      { path: '/etc/os-release', kind: 'FILE', size: Buffer.byteLength(OSR), mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: sha256(OSR) },
      { path: '/bin', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null },
      { path: '/bin/busybox', kind: 'FILE', size: 1000, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: sha256('x'.repeat(1000)) },
      { path: '/bin/sh', kind: 'SYMLINK', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: 'busybox', contentDigest: null },
      { path: '/bin/ls', kind: 'HARDLINK', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: '/bin/busybox', contentDigest: null },
    ]);
    expect(l0!.size).toBe(1000 + Buffer.byteLength(OSR));
    expect(l0!.fileCount).toBe(6);
    expect(l0!.keptFiles).toEqual([{ path: '/etc/os-release', content: Buffer.from(OSR) }]);
    expect(l1!.entries.map((e) => [e.kind, e.path, e.size])).toEqual([
      ['WHITEOUT', '/etc/os-release', 0],
      ['OPAQUE_WHITEOUT', '/var/lib', 0],
      ['FILE', '/var/lib/new', 5],
      ['FILE', '/app.txt', 2],
      ['FILE', '/app.txt', 3],
    ]);
    expect(l1!.size).toBe(10);
    expect(l1!.fileCount).toBe(3);
    expect(l1!.keptFiles).toEqual([]);
    expect(l1!.entriesDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(l1!.entriesDigest).not.toBe(l0!.entriesDigest);
  });

  it('keeps os-release only as the layer finally has it (a later symlink replaces the file)', async () => {
    const built = await buildImage({ layers: [{ entries: [
      { name: 'usr/lib/os-release', content: 'ID=debian\n' },
      { name: 'etc/os-release', content: 'ID=old\n' },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    ] }] });
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([built]))));
    expect(img!.layers[0]!.keptFiles).toEqual([{ path: '/usr/lib/os-release', content: Buffer.from('ID=debian\n') }]);
  });

  it('hashes bytes after the end-of-archive blocks into the DiffID without parsing them', async () => {
    const trailing = Buffer.concat([Buffer.from('not a tar header at all'), Buffer.alloc(2000, 7)]);
    const built = await buildImage({ layers: [{ ...base, trailing, compression: 'gzip' }] });
    expect(built.layers[0]!.diffId).not.toBe(sha256(built.layers[0]!.tar.subarray(0, built.layers[0]!.tar.length - trailing.length)));
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([built]))));
    expect(img!.layers[0]!.diffId).toBe(built.layers[0]!.diffId);
    expect(img!.layers[0]!.entries).toHaveLength(6);
  });

  it('reads PAX long names and GNU-free long paths', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.txt`;
    const built = await buildImage({ layers: [{ entries: [{ name: long, content: 'z', pax: { 'SCHILY.xattr.user.a': 'b' } }] }] });
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([built]))));
    expect(img!.layers[0]!.entries[0]!.path).toBe(`/${long}`);
  });

  it.each<Compression>(['none', 'gzip', 'zstd'])('sniffs %s by magic bytes even when the media type says otherwise', async (c) => {
    const built = await buildImage({ layers: [{ ...base, compression: c }] });
    const m = JSON.parse(built.manifest.toString());
    m.layers[0].mediaType = 'application/vnd.oci.image.layer.v1.tar'; // lie
    const manifest = Buffer.from(JSON.stringify(m));
    const files = ociLayout([built]);
    files.delete(blobName(built.manifestDigest));
    const d = addBlob(files, manifest);
    files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...d }]));
    const [img] = await readImages(fromBuffer(await archiveTar(files)));
    expectMatches(img!, built);
    expect(img!.manifestDigest).toBe(d.digest);
  });

  it('reads eStargz-like multi-member gzip layers', async () => {
    const built = await buildImage({ layers: [base] });
    const t = built.layers[0]!.tar;
    const blob = Buffer.concat([gzip(t.subarray(0, 1536)), gzip(t.subarray(1536)), gzip(Buffer.alloc(0))]);
    const m = JSON.parse(built.manifest.toString());
    m.layers[0] = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(blob), size: blob.length };
    const files = ociLayout([]);
    addBlob(files, blob);
    addBlob(files, built.config);
    const d = addBlob(files, Buffer.from(JSON.stringify(m)));
    files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...d }]));
    const [img] = await readImages(fromBuffer(await archiveTar(files)));
    expect(img!.layers[0]!.diffId).toBe(sha256(t));
    expect(img!.layers[0]!.digest).toBe(sha256(blob));
  });

  it('reads pre-POSIX (v7) tar headers, like Go archive/tar', async () => {
    const t = Buffer.from((await buildLayer({ entries: [{ name: 'v7.txt', content: 'seven' }] })).tar);
    t.fill(0, 257, 265); // no "ustar\0" magic, no version
    t.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += t[i]!;
    t.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const built = await buildImage({ layers: [{ entries: [], rawTar: t }] });
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([built]))));
    expect(img!.layers[0]!.entries.map((e) => [e.path, e.size, e.contentDigest])).toEqual([['/v7.txt', 5, sha256('seven')]]);
  });

  it('zstd with several frames', async () => {
    const built = await buildImage({ layers: [base] });
    const t = built.layers[0]!.tar;
    const blob = Buffer.concat([zstd(t.subarray(0, 1024)), zstd(t.subarray(1024))]);
    const m = JSON.parse(built.manifest.toString());
    m.layers[0] = { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha256(blob), size: blob.length };
    const files = ociLayout([]);
    addBlob(files, blob);
    addBlob(files, built.config);
    const d = addBlob(files, Buffer.from(JSON.stringify(m)));
    files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...d }]));
    const [img] = await readImages(fromBuffer(await archiveTar(files)));
    expect(img!.layers[0]!.diffId).toBe(sha256(t));
  });
});

describe('archive formats', () => {
  it('legacy docker save: manifest.json last, repeated layers as symlinks, tags normalized, history mapped', async () => {
    const a = await buildImage({
      layers: [base, top, base],
      history: [
        { created_by: 'ADD rootfs' },
        { created_by: 'ENV X=1', empty_layer: true },
        { created_by: 'RUN change' },
        { created_by: 'ADD rootfs again', comment: 'c' },
      ],
    });
    const b = await buildImage({ layers: [base], created: '2020-01-01T00:00:00Z' });
    const files = dockerLegacy([{ image: a, repoTags: ['docker.io/library/app:1', 'app:latest'] }, { image: b, repoTags: ['ghcr.io/acme/b:2'] }]);
    expect([...files.values()].filter((v) => !Buffer.isBuffer(v))).toHaveLength(2);
    const images = await readImages(fromBuffer(await archiveTar(files)));
    expect(images).toHaveLength(2);
    const [ia, ib] = images;
    expectMatches(ia!, a);
    expectMatches(ib!, b);
    expect(ia!.repoTags).toEqual(['app:1', 'app:latest']);
    expect(ib!.repoTags).toEqual(['ghcr.io/acme/b:2']);
    expect(ia!.layers[2]!.entries).toEqual(ia!.layers[0]!.entries);
    expect(ia!.history.map((h) => [h.createdBy, h.emptyLayer, h.layerIndex, h.comment])).toEqual([
      ['ADD rootfs', false, 0, null],
      ['ENV X=1', true, null, null],
      ['RUN change', false, 1, null],
      ['ADD rootfs again', false, 2, 'c'],
    ]);
    expect(ia!.manifestDigest).toBeNull();
    expect(ib!.created).toBe('2020-01-01T00:00:00Z');
    expect(ia!.architecture).toBe('amd64');
    expect(ia!.os).toBe('linux');
  });

  it('legacy docker save with manifest.json first', async () => {
    const a = await buildImage({ layers: [base, top] });
    const [img] = await readImages(fromBuffer(await archiveTar(dockerLegacy([{ image: a, repoTags: [] }], { manifestFirst: true }))));
    expectMatches(img!, a);
    expect(img!.repoTags).toEqual([]);
  });

  it('kaniko tarball (gzip layers, config named sha256:<hex>)', async () => {
    const a = await buildImage({ layers: [{ ...base, compression: 'gzip' }, { ...top, compression: 'gzip' }] });
    const [img] = await readImages(fromBuffer(await archiveTar(kanikoTarball(a, ['dive-test:kaniko']))));
    expectMatches(img!, a);
    expect(img!.repoTags).toEqual(['dive-test:kaniko']);
  });

  it('Docker 25+ (manifest.json + OCI layout): one image, tags merged, manifest digest known', async () => {
    const a = await buildImage({ layers: [base, top] });
    const images = await readImages(fromBuffer(await archiveTar(docker25(a, { name: 'docker.io/library/web', tag: '3' }))));
    expect(images).toHaveLength(1);
    expectMatches(images[0]!, a);
    expect(images[0]!.repoTags).toEqual(['web:3']);
    expect(images[0]!.manifestDigest).toBe(a.manifestDigest);
    expect(images[0]!.layers.map((l) => l.mediaType)).toEqual(a.layers.map((l) => l.mediaType));
  });

  it('OCI layout directory and the same layout as a tar give the same result', async () => {
    const a = await buildImage({ layers: [{ ...base, compression: 'zstd' }, { ...top, compression: 'gzip' }], manifestAnnotations: {
      'org.opencontainers.image.base.name': 'docker.io/library/alpine:3.19',
      'org.opencontainers.image.base.digest': `sha256:${'b'.repeat(64)}`,
    } });
    const files = ociLayout([a], indexJson([manifestDescriptor(a, { annotations: { 'org.opencontainers.image.ref.name': 'registry.local:5000/team/app:1.0' } })]));
    const dir = join(tmp, 'oci1');
    writeDir(dir, files);
    const fromDir = await readImages(dir);
    const fromTar = await readImages(fromBuffer(await archiveTar(files)));
    expect(fromDir).toEqual(fromTar);
    expectMatches(fromDir[0]!, a);
    expect(fromDir[0]!.repoTags).toEqual(['registry.local:5000/team/app:1.0']);
    expect(fromDir[0]!.baseName).toBe('docker.io/library/alpine:3.19');
    expect(fromDir[0]!.baseDigest).toBe(`sha256:${'b'.repeat(64)}`);
  });

  it('an extracted legacy docker save directory (symlinked repeated layer)', async () => {
    const a = await buildImage({ layers: [base, top, base] });
    const dir = join(tmp, 'legacy-dir');
    writeDir(dir, dockerLegacy([{ image: a, repoTags: ['legacy:dir'] }]));
    const phases = new Set<string>();
    const [img] = await readImages(dir, { onProgress: (p) => phases.add(p.phase) });
    expectMatches(img!, a);
    expect(img!.repoTags).toEqual(['legacy:dir']);
    expect(phases.has('verified')).toBe(true);
  });

  it('a tar file path, a gzip-compressed archive tar, and stdin ("-")', async () => {
    const a = await buildImage({ layers: [base] });
    const t = await archiveTar(ociLayout([a]));
    const file = join(tmp, 'img.tar');
    require('node:fs').writeFileSync(file, t);
    const progress: number[] = [];
    const [fromFile] = await readImages(file, { onProgress: (p) => progress.push(p.bytesDone) });
    expectMatches(fromFile!, a);
    expect(progress.length).toBeGreaterThan(0);
    const [fromGz] = await readImages(fromBuffer(gzip(t)));
    expectMatches(fromGz!, a);
    // stdin: a child process reads "-" and prints the image ID.
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e',
        `require(${JSON.stringify(join(__dirname, '../../src/importers'))}).readImages('-').then((i) => console.log(i[0].imageId), (e) => { console.error(e.message); process.exit(1); })`]);
      let s = '';
      child.stdout.on('data', (c) => { s += c; });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(s.trim()) : reject(new Error(`exit ${code}`))));
      child.stdin.end(t);
    });
    expect(out).toBe(a.configDigest);
  });
});

describe('OCI indexes, platforms and tags', () => {
  const imgFor = (architecture: string, variant?: string) => buildImage({ layers: [{ entries: [{ name: `arch-${architecture}`, content: architecture }] }], architecture, ...(variant ? { variant } : {}) });

  it('nested index: picks linux/amd64, skips attestation manifests, tag from the outer descriptor', async () => {
    const amd = await imgFor('amd64');
    const arm = await imgFor('arm64', 'v8');
    const att = await buildImage({ layers: [{ entries: [{ name: 'att.json', content: '{}' }] }] });
    const files = ociLayout([amd, arm, att]);
    const inner = indexJson([
      manifestDescriptor(arm),
      manifestDescriptor(amd),
      manifestDescriptor(att, { platform: { architecture: 'unknown', os: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd.manifestDigest } }),
    ]);
    const d = addBlob(files, inner);
    files.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.index.v1+json', ...d, annotations: { 'io.containerd.image.name': 'docker.io/acme/multi:7', 'org.opencontainers.image.ref.name': '7' } }]));
    const t = await archiveTar(files);
    const images = await readImages(fromBuffer(t));
    expect(images).toHaveLength(1);
    expectMatches(images[0]!, amd);
    expect(images[0]!.repoTags).toEqual(['acme/multi:7']);
    const [armImg] = await readImages(fromBuffer(t), { platform: 'linux/arm64' });
    expectMatches(armImg!, arm);
    const [armV8] = await readImages(fromBuffer(t), { platform: 'linux/arm64/v8' });
    expect(armV8!.imageId).toBe(arm.configDigest);
  });

  it('a single manifest for another platform is taken; several with none matching is an error listing them', async () => {
    const arm = await imgFor('arm64');
    const [img] = await readImages(fromBuffer(await archiveTar(ociLayout([arm]))));
    expect(img!.architecture).toBe('arm64');
    await expect(readImages(fromBuffer(await archiveTar(ociLayout([arm]))), { platform: 'linux/amd64' }))
      .rejects.toMatchObject({ code: 'INVALID_ARCHIVE', message: expect.stringMatching(/no image for platform linux\/amd64 \(available: linux\/arm64\)/) });
    const s390 = await imgFor('s390x');
    const err = await readImages(fromBuffer(await archiveTar(ociLayout([arm, s390])))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARCHIVE', message: expect.stringMatching(/no image for platform linux\/amd64 \(available: linux\/arm64, linux\/s390x\)/) });
  });

  it('ref.name as a bare tag takes the repository from --repo; without one there is no tag', async () => {
    const a = await buildImage({ layers: [base] });
    const files = ociLayout([a], indexJson([manifestDescriptor(a, { annotations: { 'org.opencontainers.image.ref.name': 'v2' } })]));
    const t = await archiveTar(files);
    expect((await readImages(fromBuffer(t), { repo: 'docker.io/library/tool' }))[0]!.repoTags).toEqual(['tool:v2']);
    expect((await readImages(fromBuffer(t)))[0]!.repoTags).toEqual([]);
  });

  it('several images of one platform without ref names are all kept', async () => {
    const a = await imgFor('amd64');
    const b = await buildImage({ layers: [{ entries: [{ name: 'other', content: 'b' }] }] });
    const images = await readImages(fromBuffer(await archiveTar(ociLayout([a, b]))));
    expect(images.map((i) => i.imageId)).toEqual([a.configDigest, b.configDigest]);
  });

  it('an OCI tar made with `tar -C dir .` (names start with ./)', async () => {
    const a = await buildImage({ layers: [base] });
    const files = new Map([...ociLayout([a])].map(([k, v]) => [`./${k}`, v] as const));
    const [img] = await readImages(fromBuffer(await archiveTar(files)));
    expectMatches(img!, a);
  });

  it('two tags of one manifest make one image with both tags', async () => {
    const a = await buildImage({ layers: [base] });
    const files = ociLayout([a], indexJson([
      manifestDescriptor(a, { annotations: { 'org.opencontainers.image.ref.name': 'app:1' } }),
      manifestDescriptor(a, { annotations: { 'org.opencontainers.image.ref.name': 'app:latest' } }),
    ]));
    const images = await readImages(fromBuffer(await archiveTar(files)));
    expect(images).toHaveLength(1);
    expect(images[0]!.repoTags).toEqual(['app:1', 'app:latest']);
  });
});
