/**
 * Builds container image archives in memory for tests: layer tars (plain,
 * gzip, zstd via /usr/bin/zstd), image configs and manifests, and the archive
 * formats Strata imports (docs/domain.md §6): legacy `docker save`
 * (`<id>/layer.tar`, repeated layers as symlinks), Docker 25+ (manifest.json +
 * OCI layout), kaniko tarballs, OCI layouts as file maps, tars or directories.
 *
 * Every digest here is computed with node:crypto over the bytes built, never
 * by the code under test. Test code: node APIs are fine.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hexOf = (digest: string): string => digest.replace(/^sha256:/, '');

export type Compression = 'none' | 'gzip' | 'zstd';

/** One tar entry; `content` for files; `type` defaults to file (or directory when the name ends in "/"). */
export interface TarEntrySpec {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device' | 'contiguous-file';
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** PAX records to emit before the entry (tar-stream `pax`). */
  pax?: Record<string, string>;
}

/** A tar built with tar-stream pack; `trailing` is appended after the end-of-archive blocks. */
export async function tarBytes(entries: readonly TarEntrySpec[], trailing?: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? (e.name.endsWith('/') ? 'directory' : 'file');
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.pax ? { pax: e.pax } : {}),
    };
    const body = type === 'file' || type === 'contiguous-file' ? Buffer.from(e.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      if (body !== undefined) pack.entry({ ...header, size: body.length }, body, (err) => (err ? reject(err) : resolve()));
      else pack.entry({ ...header, size: 0 }, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  const out = Buffer.concat(chunks);
  return trailing ? Buffer.concat([out, trailing]) : out;
}

export const gzip = (b: Buffer): Buffer => gzipSync(b);
export const zstd = (b: Buffer): Buffer => execFileSync('/usr/bin/zstd', ['-q', '-c', '-3'], { input: b, maxBuffer: 1 << 30 });
export const compress = (b: Buffer, c: Compression): Buffer => (c === 'gzip' ? gzip(b) : c === 'zstd' ? zstd(b) : b);

export const LAYER_MEDIA_TYPES: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface LayerSpec {
  entries: readonly TarEntrySpec[];
  compression?: Compression;
  /** Bytes appended to the decompressed tar after its end-of-archive blocks. */
  trailing?: Buffer;
  /** Use these bytes as the uncompressed tar instead of building one. */
  rawTar?: Buffer;
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  digest: string;
  mediaType: string;
  compression: Compression;
  /** Sum of the sizes of regular-file entries as specified (dive's layer size). */
  fileBytes: number;
}

export async function buildLayer(spec: LayerSpec): Promise<BuiltLayer> {
  const compression = spec.compression ?? 'none';
  const t = spec.rawTar ?? (await tarBytes(spec.entries, spec.trailing));
  const blob = compress(t, compression);
  const fileBytes = spec.entries
    .filter((e) => (e.type ?? (e.name.endsWith('/') ? 'directory' : 'file')) === 'file')
    .reduce((n, e) => n + Buffer.byteLength(e.content ?? ''), 0);
  return { tar: t, blob, diffId: sha256(t), digest: sha256(blob), mediaType: LAYER_MEDIA_TYPES[compression], compression, fileBytes };
}

export interface HistorySpec { created_by: string; empty_layer?: boolean; created?: string; comment?: string }

export interface ImageSpec {
  layers: readonly LayerSpec[];
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  /** Default: one non-empty entry per layer. */
  history?: readonly HistorySpec[];
  /** Override the config's diff_ids (to build inconsistent images). */
  diffIds?: readonly string[];
  /** Extra config fields, merged last. */
  extraConfig?: Record<string, unknown>;
  /** Annotations of the manifest itself. */
  manifestAnnotations?: Record<string, string>;
}

export interface BuiltImage {
  spec: ImageSpec;
  layers: BuiltLayer[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  platform: { architecture: string; os: string; variant?: string };
}

export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const l of spec.layers) layers.push(await buildLayer(l));
  const architecture = spec.architecture ?? 'amd64';
  const os = spec.os ?? 'linux';
  const history = spec.history ?? layers.map((_, i) => ({ created_by: `step ${i + 1}`, created: '2024-01-01T00:00:00Z' }));
  const config = Buffer.from(JSON.stringify({
    architecture,
    os,
    ...(spec.variant ? { variant: spec.variant } : {}),
    created: spec.created ?? '2024-01-02T03:04:05Z',
    config: { Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: spec.diffIds ?? layers.map((l) => l.diffId) },
    history,
    ...(spec.extraConfig ?? {}),
  }));
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    ...(spec.manifestAnnotations ? { annotations: spec.manifestAnnotations } : {}),
  }, null, 2));
  return {
    spec, layers, config, configDigest, manifest, manifestDigest: sha256(manifest),
    platform: { architecture, os, ...(spec.variant ? { variant: spec.variant } : {}) },
  };
}

/** A path → bytes map (or link) of an archive, in the order it will be written. */
export type FileMap = Map<string, Buffer | { symlink: string }>;

export interface DescriptorOpts {
  annotations?: Record<string, string>;
  /** false: no platform field; default: the image's platform. */
  platform?: false | { architecture: string; os: string; variant?: string };
  mediaType?: string;
}

export function manifestDescriptor(img: BuiltImage, opts: DescriptorOpts = {}): Record<string, unknown> {
  return {
    mediaType: opts.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    digest: img.manifestDigest,
    size: img.manifest.length,
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
    ...(opts.platform === false ? {} : { platform: opts.platform ?? img.platform }),
  };
}

export const indexJson = (manifests: readonly Record<string, unknown>[], annotations?: Record<string, string>): Buffer =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests, ...(annotations ? { annotations } : {}) }));

export const blobName = (digest: string): string => `blobs/sha256/${hexOf(digest)}`;

/** Adds an image's blobs (layers, config, manifest) to a file map. */
export function addBlobs(files: FileMap, img: BuiltImage): void {
  for (const l of img.layers) files.set(blobName(l.digest), l.blob);
  files.set(blobName(img.configDigest), img.config);
  files.set(blobName(img.manifestDigest), img.manifest);
}

/** Adds any bytes as a blob; returns its descriptor fields. */
export function addBlob(files: FileMap, bytes: Buffer): { digest: string; size: number } {
  const digest = sha256(bytes);
  files.set(blobName(digest), bytes);
  return { digest, size: bytes.length };
}

/**
 * An OCI image layout as a file map: blobs first, then oci-layout and
 * index.json (the order a streaming reader finds hardest). `index` defaults to
 * one descriptor per image with its platform.
 */
export function ociLayout(images: readonly BuiltImage[], index?: Buffer): FileMap {
  const files: FileMap = new Map();
  for (const img of images) addBlobs(files, img);
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', index ?? indexJson(images.map((i) => manifestDescriptor(i))));
  return files;
}

/**
 * Legacy `docker save` (before Docker 25): `<id>/layer.tar` (uncompressed, or
 * as built), `<configHex>.json`, manifest.json last; a layer whose DiffID
 * already appeared is written as a symlink `../<firstId>/layer.tar`.
 */
export function dockerLegacy(entries: readonly { image: BuiltImage; repoTags: string[] }[], opts: { manifestFirst?: boolean } = {}): FileMap {
  const files: FileMap = new Map();
  const manifest: unknown[] = [];
  const firstDir = new Map<string, string>();
  for (const { image, repoTags } of entries) {
    const paths: string[] = [];
    image.layers.forEach((l, i) => {
      const id = hexOf(sha256(`${image.configDigest}/${i}`));
      const path = `${id}/layer.tar`;
      const first = firstDir.get(l.diffId);
      files.set(`${id}/VERSION`, Buffer.from('1.0'));
      files.set(`${id}/json`, Buffer.from(JSON.stringify({ id })));
      if (first) files.set(path, { symlink: `../${first}/layer.tar` });
      else {
        files.set(path, l.blob);
        firstDir.set(l.diffId, id);
      }
      paths.push(path);
    });
    files.set(`${hexOf(image.configDigest)}.json`, image.config);
    manifest.push({ Config: `${hexOf(image.configDigest)}.json`, RepoTags: repoTags, Layers: paths });
  }
  const m = Buffer.from(JSON.stringify(manifest));
  if (opts.manifestFirst) return new Map([['manifest.json', m], ...files]);
  files.set('manifest.json', m);
  files.set('repositories', Buffer.from('{}'));
  return files;
}

/** Kaniko tarball: `<digestHex>.tar.gz` layers, config named `sha256:<hex>`, manifest.json last. */
export function kanikoTarball(image: BuiltImage, repoTags: string[]): FileMap {
  const files: FileMap = new Map();
  files.set(`sha256:${hexOf(image.configDigest)}`, image.config);
  for (const l of image.layers) files.set(`${hexOf(l.digest)}.tar.gz`, l.blob);
  files.set('manifest.json', Buffer.from(JSON.stringify([{
    Config: `sha256:${hexOf(image.configDigest)}`, RepoTags: repoTags, Layers: image.layers.map((l) => `${hexOf(l.digest)}.tar.gz`),
  }])));
  return files;
}

/**
 * Docker 25+ `docker save`: an OCI layout whose index.json carries the
 * containerd name and the tag, plus manifest.json naming blob paths.
 */
export function docker25(image: BuiltImage, ref: { name: string; tag: string }): FileMap {
  const files: FileMap = new Map();
  addBlobs(files, image);
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', indexJson([manifestDescriptor(image, {
    platform: false,
    annotations: { 'io.containerd.image.name': `${ref.name}:${ref.tag}`, 'org.opencontainers.image.ref.name': ref.tag },
  })]));
  files.set('manifest.json', Buffer.from(JSON.stringify([{
    Config: blobName(image.configDigest), RepoTags: [`${ref.name}:${ref.tag}`], Layers: image.layers.map((l) => blobName(l.digest)),
  }])));
  return files;
}

/** The archive tar of a file map (symlinks as tar symlinks). */
export function archiveTar(files: FileMap, trailing?: Buffer): Promise<Buffer> {
  const entries: TarEntrySpec[] = [];
  const dirs = new Set<string>();
  for (const [name, v] of files) {
    const d = dirname(name);
    if (d !== '.' && !dirs.has(d)) {
      dirs.add(d);
      entries.push({ name: `${d}/`, type: 'directory' });
    }
    if (Buffer.isBuffer(v)) entries.push({ name, content: v });
    else entries.push({ name, type: 'symlink', linkname: v.symlink });
  }
  return tarBytes(entries, trailing);
}

/** Writes a file map under `root` (an OCI layout directory). */
export function writeDir(root: string, files: FileMap): void {
  for (const [name, v] of files) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    if (Buffer.isBuffer(v)) writeFileSync(p, v);
    else symlinkSync(v.symlink, p);
  }
}
