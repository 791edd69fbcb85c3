/**
 * Layers read where they lie (issue 19 item 2; src/importers/archiveFile.ts, rangeScan.ts): an
 * uncompressed archive given by path has its layers read, hashed, stored and scanned by their
 * scans at their offsets, while the walk reads only headers and small files. The same archive read
 * as a stream (stdin) takes the streamed path, so each archive here is imported both ways and must
 * give the same outcome: the same images field for field and the same blob store afterwards, or the
 * same refusal (code and message; a layer whose scan found a defect is still stored, as before). The
 * archives are good ones of each format and compression, and bad ones: a forged layer digest, a
 * corrupt layer, a DiffID the config does not list, caps met inside a layer, and the good archive
 * cut at every block and flipped at many places.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readImages, type ImportOptions } from '../../src/importers';
import {
  rangeScansStarted, scansStartedOffThread,
} from '../../src/importers/scanPool';
import { FsBlobStore } from '../../src/blobs';
import { useCliScanThreads } from '../helpers/cliScanThreads';
import {
  addBlob, archiveTar, blobName, buildImage, docker25, dockerLegacy, indexJson, ociLayout, sha256, type FileMap, type LayerSpec,
} from '../helpers/archiveBuilder';

jest.setTimeout(120_000);

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-range-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const files = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ name: `d${i % 3}/f${i}.txt`, content: `${tag} ${i} `.repeat(i * 7) }));
const layers: LayerSpec[] = [
  { entries: [{ name: 'd0/' }, { name: 'd1/' }, { name: 'd2/' }, ...files(40, 'gz')], compression: 'gzip' },
  { entries: [{ name: 'etc/' }, { name: 'etc/os-release', content: 'ID=test\n' }, ...files(25, 'plain')] },
  { entries: [{ name: 'z/' }, ...files(30, 'zstd')], compression: 'zstd' },
];

/** Bytes gzip cannot shrink (a fixed sequence). */
function noise(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

let run = 0;

/** One import: its outcome, and the blob store it left (file name → bytes). */
async function importOnce(source: Buffer | string, options: ImportOptions = {}) {
  const dir = join(tmp, `store-${++run}`);
  const store = new FsBlobStore(dir);
  const session = await store.session();
  const outcome = await readImages(Buffer.isBuffer(source) ? Readable.from([source]) : source, { ...options, blobs: session })
    .then((images) => ({ images }), (e: unknown) => ({ error: { code: (e as { code?: string }).code, message: (e as Error).message } }));
  await session.close();
  const blobs: Record<string, string> = {};
  const sub = join(dir, 'blobs', 'sha256');
  for (const name of (() => { try { return readdirSync(sub); } catch { return []; } })()) blobs[name] = sha256(readFileSync(join(sub, name)));
  expect(readdirSync(join(dir, '.ingest'))).toEqual([]);
  return { outcome, blobs };
}

/** The archive imported from a stream and from a file: the same outcome and the same stored blobs. */
async function bothWays(archive: Buffer, options: ImportOptions = {}) {
  const file = join(tmp, `archive-${++run}.tar`);
  writeFileSync(file, archive);
  const streamed = await importOnce(archive, options);
  const before = rangeScansStarted();
  const read: number[] = [];
  const onProgress: ImportOptions['onProgress'] = (p) => { if (p.phase === 'reading archive') read.push(p.bytesDone); };
  const ranged = await importOnce(file, { ...options, onProgress });
  const rangeScans = rangeScansStarted() - before;
  expect(ranged.outcome).toEqual(streamed.outcome);
  // A skipped layer counts once its scan has read it: the file's bytes, each once.
  if ('images' in ranged.outcome) expect(read[read.length - 1]).toBe(archive.length);
  expect(Math.max(0, ...read)).toBeLessThanOrEqual(archive.length);
  // What a refused import left in the store (unreferenced, for gc) depends on how far each scan got: compared when it succeeded.
  if ('images' in streamed.outcome) expect(ranged.blobs).toEqual(streamed.blobs);
  return { ...ranged, rangeScans };
}

/** Workers started through tsx make each import slower: the cut test then cuts at every 4th block and flips fewer. */
const inWorkers = (process.env['STRATA_SCAN_THREADS'] ?? '0') !== '0';

function cases(workers = false): void {
  const every = workers || inWorkers ? 4 : 1;
  it.each([
    ['OCI layout', async () => ociLayout([await buildImage({ layers })])],
    ['docker save (legacy, a repeated layer as a link)', async () => {
      const img = await buildImage({ layers: [layers[1]!, layers[0]!, layers[1]!] });
      return dockerLegacy([{ image: img, repoTags: ['r/x:1'] }]);
    }],
    ['docker save (Docker 25+)', async () => docker25(await buildImage({ layers }), { name: 'r/y', tag: '2' })],
  ])('%s', async (_, make) => {
    const offThread = scansStartedOffThread();
    const r = await bothWays(await archiveTar(await make()));
    expect('images' in r.outcome).toBe(true);
    expect(r.rangeScans).toBeGreaterThan(0);
    if (workers) expect(scansStartedOffThread()).toBeGreaterThan(offThread);
    expect(Object.keys(r.blobs).length).toBeGreaterThan(3);
  });

  it('refuses a layer whose name forges its digest, with the same code and message', async () => {
    const img = await buildImage({ layers });
    const fm = ociLayout([img]);
    const real = img.layers[0]!;
    // The layer's bytes under another layer's name: its descriptor (and the index) are left as they are.
    fm.set(blobName(real.digest), img.layers[1]!.blob);
    const r = await bothWays(await archiveTar(fm));
    expect(r.outcome).toEqual({ error: { code: 'INVALID_ARCHIVE', message: expect.stringMatching(/does not match the descriptor/) } });
  });

  it.each([
    ['in its middle', layers[0]!, 0.5],
    // Larger than a read (1 MiB) and damaged in the first: the rest is still hashed and stored.
    ['at its first byte (no longer gzip: its tar fails at once), in a layer of several reads',
      { entries: [{ name: 'noise.bin', content: noise(3 << 20) }], compression: 'gzip' as const }, 0],
  ])('refuses a layer corrupt %s, and keeps its blob as the streamed read does', async (_, spec, at) => {
    const img = await buildImage({ layers: [spec] });
    const bad = Buffer.from(img.layers[0]!.blob);
    bad[Math.floor(bad.length * at)]! ^= 0xff;
    const fm: FileMap = new Map();
    const d = addBlob(fm, bad);
    const m = JSON.parse(img.manifest.toString());
    m.layers[0] = { ...m.layers[0], digest: d.digest, size: d.size };
    addBlob(fm, img.config);
    const md = addBlob(fm, Buffer.from(JSON.stringify(m)));
    fm.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    fm.set('index.json', indexJson([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...md }]));
    const r = await bothWays(await archiveTar(fm));
    expect(r.outcome).toEqual({ error: { code: 'INVALID_ARCHIVE', message: expect.any(String) } });
    expect(r.blobs[d.digest.slice(7)]).toBe(d.digest);
  });

  it('refuses a layer the config does not list', async () => {
    const img = await buildImage({ layers, diffIds: [sha256('x'), sha256('y'), sha256('z')] });
    const r = await bothWays(await archiveTar(ociLayout([img])));
    expect(r.outcome).toEqual({ error: { code: 'INVALID_ARCHIVE', message: expect.stringMatching(/DiffID|diff_id/i) } });
  });

  it.each([
    ['bytes', { maxTotalBytes: 20_000 }],
    ['entries', { maxEntries: 30 }],
  ])('stops at the %s cap met inside a layer', async (_, caps) => {
    const r = await bothWays(await archiveTar(ociLayout([await buildImage({ layers })])), caps);
    expect(r.outcome).toEqual({ error: { code: 'INVALID_ARCHIVE', message: expect.stringMatching(/exceeds the limit/) } });
  });

  it('gives the same outcome for the archive cut at every block and flipped at many places', async () => {
    const img = await buildImage({ layers: [layers[0]!, layers[1]!] });
    const good = await archiveTar(docker25(img, { name: 'r/z', tag: '1' }));
    const broken: Buffer[] = [];
    for (let n = 0; n < good.length; n += 512 * every) broken.push(good.subarray(0, n), good.subarray(0, n + 100));
    for (let i = 0; i < 60 / every; i++) {
      const b = Buffer.from(good);
      const at = Math.floor(((i * 7919) % 1000) / 1000 * b.length);
      b[at]! ^= 1 << (i % 8);
      broken.push(b);
    }
    let refused = 0;
    for (const c of broken) if ('error' in (await bothWays(c)).outcome) refused += 1;
    // Most cuts and many flips are refused; some flips land in bytes nothing reads.
    expect(refused).toBeGreaterThan(broken.length / 2);
  });
}

describe('a layer read where it lies gives what the streamed read gives', () => cases());

describe('a pipe given by name (strata import <(docker save app))', () => {
  it('is read in order, as a stream: no positioned read, the same images', async () => {
    const archive = await archiveTar(docker25(await buildImage({ layers }), { name: 'r/p', tag: '1' }));
    const fifo = join(tmp, `pipe-${++run}`);
    execFileSync('mkfifo', [fifo]);
    const writer = createWriteStream(fifo);
    const written = new Promise<void>((resolve, reject) => { writer.on('error', reject); writer.end(archive, resolve); });
    const before = rangeScansStarted();
    const piped = await importOnce(fifo);
    await written;
    expect(rangeScansStarted()).toBe(before);
    expect(piped.outcome).toEqual((await importOnce(archive)).outcome);
    expect('images' in piped.outcome).toBe(true);
  });
});

describe('the same with one range scan on this thread and one in a worker (the CLI)', () => {
  useCliScanThreads();
  cases(true);
});
