/**
 * Stand-ins for dive's fixture archives, built here (archiveBuilder) so that a
 * clone without ../shared runs every suite that needs *an* image. They have
 * dive's shape where suites count events: a 14-layer `docker save` (legacy
 * layout, one tag: 16 events on import) and a one-layer gzip OCI layout tar
 * with no tag (2 events, 3 with an extra tag); plus a root filesystem tar that
 * is not an image. Only suites asserting dive's published figures need dive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archiveTar, buildImage, dockerLegacy, kanikoTarball, ociLayout, tarBytes, type BuiltImage, type LayerSpec, type TarEntrySpec } from './archiveBuilder';

export const SAMPLE_TAG = 'sample:latest';

const text = (n: number, seed: string) => Buffer.from(seed.repeat(Math.ceil(n / seed.length)).slice(0, n));

/** 14 layers: a small root filesystem, files added, overwritten (wasted bytes) and deleted (whiteouts). */
export function sampleLayers(): LayerSpec[] {
  const base: TarEntrySpec[] = [
    { name: 'bin/' }, { name: 'bin/busybox', content: text(4096, 'busybox'), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'etc/' }, { name: 'etc/hostname', content: 'sample\n' }, // no os-release: like dive's busybox image
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'root/' }, { name: 'tmp/', mode: 0o1777 },
  ];
  const layers: TarEntrySpec[][] = [
    base,
    [{ name: 'root/example/' }, { name: 'root/example/somefile1.txt', content: text(600, 'one ') }],
    [{ name: 'root/example/somefile2.txt', content: text(700, 'two ') }, { name: 'root/example/somefile3.txt', content: text(800, 'three ') }],
    [{ name: 'root/saved.txt', content: text(500, 'saved ') }],
    [{ name: 'root/saved.txt', content: text(500, 'SAVED ') }], // overwrites: the lower copy is wasted
    [{ name: 'root/example/.wh.somefile1.txt' }],
    [{ name: 'root/example/somefile3.txt', content: text(800, 'THREE ') }],
    [{ name: 'tmp/scratch.bin', content: text(1200, 'x') }],
    [{ name: 'tmp/.wh.scratch.bin' }],
    [{ name: 'srv/' }, { name: 'srv/app.conf', content: 'listen 8080\n' }],
    [{ name: 'srv/app.conf', content: 'listen 9090\n' }],
    [{ name: 'srv/data/' }, { name: 'srv/data/a.txt', content: text(300, 'a') }, { name: 'srv/data/b.txt', content: text(300, 'b') }],
    [{ name: 'srv/data/.wh..wh..opq' }, { name: 'srv/data/c.txt', content: text(100, 'c') }],
    [{ name: 'root/.profile', content: 'export PS1="# "\n' }],
  ];
  return layers.map((entries) => ({ entries }));
}

export interface Samples {
  /** The 14-layer image, as built (digests, sizes: the expectations). */
  image: BuiltImage;
  /** `docker save` (legacy layout) of `image`, tagged SAMPLE_TAG. */
  dockerArchive: string;
  /** The one-layer image of the OCI layout tar. */
  ociImage: BuiltImage;
  /** An OCI layout tar, gzip layer, no tag. */
  ociGzipArchive: string;
  /** A root filesystem tar: not an image. */
  rootfsTar: string;
  /** A two-layer gzip image as kaniko writes it, tagged sample:kaniko-latest. */
  kanikoImage: BuiltImage;
  kanikoArchive: string;
}

let built: Promise<Samples> | null = null;

/** Builds the archives once per test file, in a temporary folder removed at exit. */
export function samples(): Promise<Samples> {
  built ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-samples-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const image = await buildImage({ layers: sampleLayers(), history: sampleLayers().map((_, i) => ({ created_by: `/bin/sh -c step ${i + 1}`, created: '2024-01-01T00:00:00Z' })) });
    const ociImage = await buildImage({ layers: [{ entries: [{ name: 'hello.txt', content: 'hello from a gzip layer\n' }], compression: 'gzip' }] });
    const dockerArchive = path.join(dir, 'sample-docker.tar');
    const ociGzipArchive = path.join(dir, 'sample-oci-gzip.tar');
    const rootfsTar = path.join(dir, 'rootfs.tar');
    fs.writeFileSync(dockerArchive, await archiveTar(dockerLegacy([{ image, repoTags: [SAMPLE_TAG] }])));
    fs.writeFileSync(ociGzipArchive, await archiveTar(ociLayout([ociImage])));
    fs.writeFileSync(rootfsTar, await tarBytes(sampleLayers()[0]!.entries));
    const kanikoImage = await buildImage({ layers: [
      { entries: [{ name: 'app/' }, { name: 'app/main.js', content: text(900, 'console.log(1);') }], compression: 'gzip' },
      { entries: [{ name: 'app/main.js', content: text(950, 'console.log(2);') }], compression: 'gzip' },
    ] });
    const kanikoArchive = path.join(dir, 'sample-kaniko.tar');
    fs.writeFileSync(kanikoArchive, await archiveTar(kanikoTarball(kanikoImage, ['sample:kaniko-latest'])));
    return { image, dockerArchive, ociImage, ociGzipArchive, rootfsTar, kanikoImage, kanikoArchive };
  })();
  return built;
}

/** Sum of regular-file bytes over the layers: the image size as dive and Strata count it. */
export const fileBytes = (img: BuiltImage) => img.layers.reduce((n, l) => n + l.fileBytes, 0);
