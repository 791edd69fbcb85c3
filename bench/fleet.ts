/**
 * A generated fleet shaped like a real one (issue 19 item 6, issue 21): a few
 * dozen OS bases (one or two layers, each with an os-release naming its
 * distribution), hundreds of runtimes built on them (one to three layers),
 * and N application images on the runtimes, each with one to three small
 * layers of its own. No base or runtime is imported as an image (teams push
 * what they build FROM them) unless `knownBases` asks for some.
 *
 * Deterministic for a seed. Layers carry a handful of entries whose sizes add
 * up to realistic layer sizes, so appending stays cheap: images are recorded
 * through recordImport (the path `strata import` takes) in large chunks, and
 * each shared layer's entry list is built once.
 *
 * Run alone: node bin/run-ts.js bench/fleet.ts 20000 out.db
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../src/application/importImages';
import { Strata } from '../src/application/strata';
import { entriesDigestOf } from '../src/domain/entryList';
import type { LayerEntry } from '../src/domain/layerEntry';
import type { ImportedImage, ImportedLayer } from '../src/importers';
import { Rng } from './generate';

const hex = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const digest = (s: string) => `sha256:${hex(s)}`;

export interface FleetSpec {
  images: number;
  /** OS bases (default 30). */
  bases?: number;
  /** Runtimes, spread over the bases (default 300). */
  runtimes?: number;
  /** How many bases are also imported as images of their own (default 0). */
  knownBases?: number;
  seed?: number;
  /** Tag prefix, so that several fleets can share a database. */
  prefix?: string;
  /** Number of the first application image: more images for a fleet already recorded (same bases and runtimes). */
  offset?: number;
}

/** The distributions the bases identify as (PRETTY_NAME, ID, VERSION_ID). */
const DISTROS: readonly [string, string, string][] = [
  ['Debian GNU/Linux 12 (bookworm)', 'debian', '12'], ['Debian GNU/Linux 11 (bullseye)', 'debian', '11'],
  ['Ubuntu 24.04 LTS', 'ubuntu', '24.04'], ['Ubuntu 22.04.4 LTS', 'ubuntu', '22.04'], ['Ubuntu 20.04.6 LTS', 'ubuntu', '20.04'],
  ['Alpine Linux v3.20', 'alpine', '3.20.0'], ['Alpine Linux v3.19', 'alpine', '3.19.1'], ['Alpine Linux v3.18', 'alpine', '3.18.6'],
  ['Red Hat Enterprise Linux 9.4 (Plow)', 'rhel', '9.4'], ['Rocky Linux 9.3 (Blue Onyx)', 'rocky', '9.3'],
  ['Amazon Linux 2023', 'amzn', '2023'], ['Distroless', 'debian', '12'],
];

export const osReleaseOf = (distro: readonly [string, string, string]) =>
  `PRETTY_NAME="${distro[0]}"\nID=${distro[1]}\nVERSION_ID="${distro[2]}"\n`;

const meta = { mode: 0o644, uid: 0, gid: 0, linkTarget: null } as const;

/** A layer of `files` regular files adding up to about `bytes`, plus an os-release when given. */
function layer(name: string, files: number, bytes: number, r: Rng, osRelease?: string): ImportedLayer {
  const root = `/${name.replace(/[^a-z0-9]/gi, '_')}`;
  const entries: LayerEntry[] = [{ ...meta, path: root, kind: 'DIRECTORY', size: 0, mode: 0o755, contentDigest: null }];
  let size = 0;
  for (let k = 0; k < files; k++) {
    const s = Math.max(1, Math.round((bytes / files) * (0.5 + r.float())));
    size += s;
    entries.push({ ...meta, path: `${root}/f${k}`, kind: 'FILE', size: s, contentDigest: digest(`${name}/${k}`) });
  }
  const keptFiles = [];
  if (osRelease !== undefined) {
    const content = Buffer.from(osRelease);
    entries.push({ ...meta, path: '/etc', kind: 'DIRECTORY', size: 0, mode: 0o755, contentDigest: null });
    entries.push({ ...meta, path: '/etc/os-release', kind: 'FILE', size: content.length, contentDigest: digest(osRelease) });
    keptFiles.push({ path: '/etc/os-release', content });
    size += content.length;
  }
  return {
    digest: digest(`blob/${name}`), diffId: digest(`diff/${name}`), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    compressedSize: Math.round(size / 3), size, fileCount: entries.length, entries, entriesDigest: entriesDigestOf(entries, hex), keptFiles,
  };
}

function image(tag: string, layers: readonly ImportedLayer[], created: number): ImportedImage {
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', created: new Date(created).toISOString(), config: { Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, k) => ({ created_by: `RUN step ${k}` })),
  });
  return {
    imageId: digest(config), config, manifestDigest: digest(`manifest/${config}`), repoTags: [tag],
    created: new Date(created).toISOString(), architecture: 'amd64', os: 'linux', layers: [...layers],
    history: layers.map((_, k) => ({ created: null, createdBy: `RUN step ${k}`, comment: null, emptyLayer: false, layerIndex: k })),
    baseName: null, baseDigest: null,
  };
}

export interface Fleet {
  /** Known bases first (when asked for), then the application images. */
  images: Iterable<ImportedImage>;
  /** Each base's layers and distribution, and each runtime's base and layers (for checks). */
  bases: { layers: ImportedLayer[]; distribution: string }[];
  runtimes: { base: number; layers: ImportedLayer[] }[];
}

/** The fleet's shape, and its images generated lazily (memory stays flat for 100,000 images). */
export function generateFleet(spec: FleetSpec): Fleet {
  const r = new Rng(spec.seed ?? 21);
  const p = spec.prefix ?? 'fleet';
  const nBases = spec.bases ?? 30;
  const nRuntimes = spec.runtimes ?? 300;
  const bases = Array.from({ length: nBases }, (_, b) => {
    const distro = DISTROS[b % DISTROS.length]!;
    const layers = [layer(`${p}-base${b}-os`, 8, 30e6 + r.int(50e6), r, osReleaseOf(distro))];
    if (r.int(3) === 0) layers.push(layer(`${p}-base${b}-certs`, 4, 1e6 + r.int(4e6), r));
    return { layers, distribution: distro[0] };
  });
  const runtimes = Array.from({ length: nRuntimes }, (_, k) => {
    // Popular bases carry more runtimes (a few bases hold most of a real fleet).
    const base = Math.min(nBases - 1, Math.floor(nBases * r.float() ** 2));
    const own = 1 + r.int(3);
    const layers = Array.from({ length: own }, (_, j) => layer(`${p}-rt${k}-l${j}`, 6, 5e6 + r.int(60e6), r));
    return { base, layers: [...bases[base]!.layers, ...layers] };
  });
  const t0 = Date.UTC(2024, 0, 1);
  function* images(): Generator<ImportedImage> {
    for (let b = 0; b < (spec.offset ? 0 : Math.min(spec.knownBases ?? 0, nBases)); b++) yield image(`${p}/base${b}:1`, bases[b]!.layers, t0);
    const from = spec.offset ?? 0;
    for (let i = from; i < from + spec.images; i++) {
      const rt = runtimes[Math.min(nRuntimes - 1, Math.floor(nRuntimes * r.float() ** 1.5))]!;
      const own = 1 + r.int(3);
      const app = Array.from({ length: own }, (_, j) => layer(`${p}-app${i}-l${j}`, 3, 2e3 + r.int(2e6), r));
      yield image(`${p}/svc${i}:1`, [...rt.layers, ...app], t0 + i * 60_000);
    }
  }
  return { images: { [Symbol.iterator]: images }, bases, runtimes };
}

/** Appends a fleet through recordImport, `chunk` images per append; returns the images recorded. */
export async function appendFleet(app: Strata, fleet: Fleet, chunk = 1000, onChunk?: (done: number) => void): Promise<number> {
  let batch: ImportedImage[] = [];
  let done = 0;
  for (const img of fleet.images) {
    batch.push(img);
    if (batch.length >= chunk) {
      await recordImport(app, batch);
      done += batch.length;
      onChunk?.(done);
      batch = [];
    }
  }
  if (batch.length) { await recordImport(app, batch); done += batch.length; onChunk?.(done); }
  return done;
}

if (process.argv[1] === __filename) {
  const [n = '20000', db = 'bench/out/tmp/fleet.db'] = process.argv.slice(2);
  (async () => {
    const app = await Strata.open(db);
    const t = Date.now();
    const done = await appendFleet(app, generateFleet({ images: Number(n) }), 1000, (k) => process.stderr.write(`\r${k} images`));
    process.stderr.write(`\n${done} images in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    await app.close();
  })().catch((e: unknown) => { console.error(e); process.exit(1); });
}
