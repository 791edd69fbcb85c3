/**
 * Deterministic image generator for the bench: an OCI layout directory (for
 * umoci) and the same layout as a tar (for `strata import`), gzip layers.
 * Layers overwrite lower files (~5 %), white some out (~1 %) and every fifth
 * layer has an opaque whiteout. Generated once per spec into bench/out/images
 * (a stamp holds the spec; a changed spec regenerates).
 *
 * Run alone: node bin/run-ts.js bench/generate.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { TarWriter } from './tarWriter';

const gzip = promisify(gzipCb);
const GENERATOR_VERSION = 3;
export const OUT = join(__dirname, 'out');

export interface ImageSpec {
  name: string;
  layers: number;
  filesPerLayer: number;
  /** Mean regular-file size in bytes (sizes are drawn around it, with a long tail). */
  meanFileBytes: number;
  /** Share of files with incompressible content (the rest is text-like). */
  binaryShare: number;
  seed: number;
}

export interface GeneratedImage {
  spec: ImageSpec;
  layoutDir: string;
  tarPath: string;
  tag: string;
  blobPaths: string[];
  compressedBytes: number;
  uncompressedBytes: number;
  fileBytes: number;
  entries: number;
  imageId: string;
}

export const BIG: ImageSpec = { name: 'big', layers: 20, filesPerLayer: 2500, meanFileBytes: 7000, binaryShare: 0.6, seed: 1 };

/** xorshift32: fast and deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed * 2654435761) >>> 0 || 1; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number { return this.next() % n; }
  float(): number { return this.next() / 0x100000000; }
}

let pools: { bin: Buffer; text: Buffer } | null = null;
function contentPools(): { bin: Buffer; text: Buffer } {
  if (pools) return pools;
  const r = new Rng(99);
  const bin = Buffer.alloc(16 << 20);
  for (let i = 0; i < bin.length; i += 4) bin.writeUInt32LE(r.next(), i);
  const words = ['lib', 'config', 'usr', 'share', 'locale', 'return', 'function', 'static', 'const', 'value', 'error', 'index', 'buffer', 'stream', 'layer', 'image'];
  const parts: string[] = [];
  let n = 0;
  while (n < (4 << 20)) {
    const w = `${words[r.int(words.length)]}${r.int(10) < 3 ? r.int(1000) : ''}${r.int(12) === 0 ? '\n' : ' '}`;
    parts.push(w);
    n += w.length;
  }
  pools = { bin, text: Buffer.from(parts.join('')) };
  return pools;
}

function fileContent(r: Rng, size: number, binaryShare: number): Buffer {
  const { bin, text } = contentPools();
  const pool = r.float() < binaryShare ? bin : text;
  const off = r.int(pool.length - size);
  return pool.subarray(off, off + size);
}

const fileSize = (r: Rng, mean: number): number =>
  (r.int(10) < 9 ? 64 + r.int(Math.round(mean * 0.8)) : Math.round(mean * 2) + r.int(Math.round(mean * 8)));

interface Built { tar: Buffer; files: number; fileBytes: number; entries: number }

/** One layer; `lower` holds the file paths of the layers below (for overwrites and whiteouts). */
function buildLayer(spec: ImageSpec, i: number, r: Rng, lower: string[][]): Built {
  const t = new TarWriter();
  const mine: string[] = [];
  let fileBytes = 0;
  let entries = 0;
  const put = (path: string): void => {
    const c = fileContent(r, Math.min(fileSize(r, spec.meanFileBytes), 4 << 20), spec.binaryShare);
    t.file(path, c);
    fileBytes += c.length;
    entries += 1;
  };
  const root = i === 0 ? 'usr/lib' : `opt/app${i}`;
  if (i === 0) { t.dir('usr'); t.dir('usr/lib'); entries += 2; } else { if (i === 1) { t.dir('opt'); entries += 1; } t.dir(root); entries += 1; }
  const perDir = 25;
  const below = lower.flat();
  for (let k = 0; k < spec.filesPerLayer; k++) {
    if (k % perDir === 0) { t.dir(`${root}/d${k / perDir}`); entries += 1; }
    const roll = r.int(100);
    if (i > 0 && below.length && roll < 5) put(below[r.int(below.length)]!); // overwrite a lower file
    else if (i > 0 && below.length && roll < 6) {
      const p = below[r.int(below.length)]!;
      const cut = p.lastIndexOf('/');
      t.file(`${p.slice(0, cut)}/.wh.${p.slice(cut + 1)}`, Buffer.alloc(0));
      entries += 1;
    } else {
      const p = `${root}/d${Math.floor(k / perDir)}/f${k}${k % 3 === 0 ? '.so' : '.txt'}`;
      put(p);
      mine.push(p);
    }
  }
  if (i > 0 && i % 5 === 0 && lower.length > 1) {
    const victim = lower[1 + r.int(lower.length - 1)]![0];
    if (victim) { t.file(`${victim.slice(0, victim.lastIndexOf('/'))}/.wh..wh..opq`, Buffer.alloc(0)); entries += 1; }
  }
  lower.push(mine);
  return { tar: t.finish(), files: mine.length, fileBytes, entries };
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function writeBlob(dir: string, bytes: Buffer | string): { digest: string; size: number; path: string } {
  const hex = sha(bytes);
  const path = join(dir, 'blobs', 'sha256', hex);
  writeFileSync(path, bytes);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(bytes), path };
}

async function generate(spec: ImageSpec, base: string): Promise<GeneratedImage> {
  rmSync(base, { recursive: true, force: true });
  const layoutDir = join(base, 'layout');
  mkdirSync(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  const r = new Rng(spec.seed);
  const lower: string[][] = [];
  const layers: { digest: string; size: number; diffId: string }[] = [];
  const blobPaths: string[] = [];
  let uncompressedBytes = 0;
  let compressedBytes = 0;
  let fileBytes = 0;
  let entries = 0;
  // Build two layers, compress them on the thread pool while building the next.
  let pending: Promise<void>[] = [];
  for (let i = 0; i < spec.layers; i++) {
    const b = buildLayer(spec, i, r, lower);
    uncompressedBytes += b.tar.length;
    fileBytes += b.fileBytes;
    entries += b.entries;
    const slot = i;
    layers.push({ digest: '', size: 0, diffId: `sha256:${sha(b.tar)}` });
    blobPaths.push('');
    pending.push(gzip(b.tar, { level: 6 }).then((gz) => {
      const w = writeBlob(layoutDir, gz);
      layers[slot]!.digest = w.digest;
      layers[slot]!.size = w.size;
      blobPaths[slot] = w.path;
      compressedBytes += w.size;
    }));
    if (pending.length >= 2) { await Promise.all(pending); pending = []; }
  }
  await Promise.all(pending);
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-02T03:04:05Z',
    config: { Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created_by: `RUN step ${i + 1}`, created: '2024-01-01T00:00:00Z' })),
  });
  const cfg = writeBlob(layoutDir, config);
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  });
  const man = writeBlob(layoutDir, manifest);
  const tag = `bench/${spec.name}:latest`;
  writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layoutDir, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: man.digest, size: man.size,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': 'latest', 'io.containerd.image.name': tag },
    }],
  }));
  const tarPath = join(base, 'image.tar');
  execFileSync('tar', ['-C', layoutDir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-cf', tarPath, 'oci-layout', 'index.json', 'blobs']);
  return { spec, layoutDir, tarPath, tag, blobPaths, compressedBytes, uncompressedBytes, fileBytes, entries, imageId: cfg.digest };
}

/** The generated image for a spec, building it on first use. */
export async function ensureImage(spec: ImageSpec): Promise<GeneratedImage> {
  const base = join(OUT, 'images', spec.name);
  const stamp = join(base, 'meta.json');
  const want = JSON.stringify({ v: GENERATOR_VERSION, spec });
  if (existsSync(stamp)) {
    const meta = JSON.parse(readFileSync(stamp, 'utf8')) as { key: string; image: GeneratedImage };
    if (meta.key === want && existsSync(meta.image.tarPath)) return meta.image;
  }
  const image = await generate(spec, base);
  writeFileSync(stamp, JSON.stringify({ key: want, image }, null, 1));
  return image;
}

if (process.argv[1] === __filename) {
  const t = Date.now();
  ensureImage(BIG).then((img) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    process.stdout.write(`${img.tarPath}: ${img.spec.layers} layers, ${img.entries} entries, ${mb(img.compressedBytes)} MB gzip, ${mb(img.uncompressedBytes)} MB tar (${Date.now() - t} ms)\n`);
  }).catch((e: unknown) => { console.error(e); process.exit(1); });
}
