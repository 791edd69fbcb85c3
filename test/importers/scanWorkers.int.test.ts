/**
 * Layer scans in worker threads (src/importers/scanPool.ts, issue 19 item 2).
 * Under Jest scans run in the test's thread unless STRATA_SCAN_THREADS asks for
 * workers; here they do, loaded from the TypeScript sources through tsx (the
 * compiled dist/ path runs in every e2e suite that spawns bin/strata.js). What
 * must hold: the worker's result is the in-thread result, field for field; a
 * defect, a cap met in a worker and a reader that fails half-way end the import
 * with the same INVALID_ARCHIVE; no worker is left running after an import.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readImages } from '../../src/importers';
import { DomainError } from '../../src/domain/errors';
import { FsBlobStore } from '../../src/blobs';
import { scanLayer } from '../../src/importers/layerScan';
import { serializeEntries } from '../../src/domain/entryList';
import { Budget } from '../../src/importers/limits';
import {
  endIdleScanThreads, scanLayerOffThread, scansStartedOffThread, scansUnfinishedOffThread, scanThreadsAlive,
} from '../../src/importers/scanPool';
import {
  archiveTar, blobName, buildImage, buildLayer, ociLayout, sha256, type BuiltImage, type Compression, type TarEntrySpec,
} from '../helpers/archiveBuilder';

function entries(layer: number, files: number, bytes: number): TarEntrySpec[] {
  const out: TarEntrySpec[] = [{ name: `l${layer}/`, type: 'directory' }];
  for (let f = 0; f < files; f++) out.push({ name: `l${layer}/f${f}.bin`, content: randomBytes(bytes) });
  out.push({ name: `l${layer}/link`, type: 'symlink', linkname: 'f0.bin' });
  return out;
}

const image = (compressions: Compression[]): Promise<BuiltImage> =>
  buildImage({ layers: compressions.map((compression, i) => ({ compression, entries: entries(i, 30, 48 * 1024) })) });

const withThreads = async <T>(n: string, f: () => Promise<T>): Promise<T> => {
  const before = process.env['STRATA_SCAN_THREADS'];
  process.env['STRATA_SCAN_THREADS'] = n;
  try { return await f(); } finally {
    if (before === undefined) delete process.env['STRATA_SCAN_THREADS'];
    else process.env['STRATA_SCAN_THREADS'] = before;
  }
};

const failure = (p: Promise<unknown>): Promise<DomainError> => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as DomainError);

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-scanworkers-')); });
afterAll(async () => {
  await endIdleScanThreads();
  rmSync(tmp, { recursive: true, force: true });
});

it('an import scanned in worker threads equals the one scanned in-thread, and the blobs kept are the same', async () => {
  const img = await image(['gzip', 'none', 'zstd', 'gzip']);
  const tarred = await archiveTar(ociLayout([img]));
  const read = async (threads: string, dir: string) => withThreads(threads, async () => {
    const store = new FsBlobStore(join(tmp, dir));
    const session = await store.session();
    try { return await readImages(Readable.from([tarred]), { blobs: session }); } finally { await session.close(); }
  });
  const started = scansStartedOffThread();
  const off = await read('2', 'blobs-off');
  expect(scansStartedOffThread() - started).toBe(4);
  const inThread = await read('0', 'blobs-in');
  expect(scansStartedOffThread() - started).toBe(4);
  expect(off).toEqual(inThread);
  expect(off[0]!.layers.map((l) => [l.digest, l.diffId])).toEqual(img.layers.map((l) => [l.digest, l.diffId]));
  for (const l of img.layers) {
    expect(sha256(readFileSync(join(tmp, 'blobs-off', blobName(l.digest))))).toBe(l.digest);
  }
  // readImages ends the idle workers once every layer is scanned.
  expect(scanThreadsAlive()).toBe(0);
});

it('a layer scanned by a worker gives scanLayer\'s result: kept os-release bytes, the DiffID of an uncompressed blob hashed by the caller', async () => {
  const osRelease = 'ID=debian\nVERSION_ID="12"\n';
  for (const compression of ['none', 'gzip'] as const) {
    const layer = await buildLayer({ compression, entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: osRelease }, ...entries(0, 3, 1000)] });
    const inThread = await scanLayer(Readable.from([layer.blob]), new Budget(), 'layer');
    const callerHashed = await withThreads('1', () => scanLayerOffThread(Readable.from([layer.blob]), new Budget(), 'layer', () => layer.digest));
    const workerHashed = await withThreads('1', () => scanLayerOffThread(Readable.from([layer.blob]), new Budget(), 'layer'));
    for (const got of [callerHashed, workerHashed]) {
      expect(got).toEqual(inThread);
      expect(Buffer.isBuffer(got.keptFiles[0]!.content)).toBe(true);
      expect(got.keptFiles[0]!.content.toString()).toBe(osRelease);
    }
    expect(inThread.diffId).toBe(layer.diffId);
  }
});

it('the stored entry list a scan makes, in a worker or not, is the gzip of the canonical text its entriesDigest hashes', async () => {
  const layer = await buildLayer({ compression: 'gzip', entries: entries(0, 40, 700) });
  const inThread = await scanLayer(Readable.from([layer.blob]), new Budget(), 'layer');
  const worker = await withThreads('1', () => scanLayerOffThread(Readable.from([layer.blob]), new Budget(), 'layer'));
  for (const got of [inThread, worker]) {
    expect(Buffer.isBuffer(got.entriesBody)).toBe(true);
    // gzip(1) is the oracle for the format: the body is a gzip stream of exactly the serialized list.
    const text = execFileSync('gzip', ['-dc'], { input: got.entriesBody! }).toString('utf8');
    expect(text).toBe(serializeEntries(got.entries));
    expect(got.entries).toHaveLength(42);
    expect(sha256(text)).toBe(got.entriesDigest);
  }
  expect(worker.entriesBody).toEqual(inThread.entriesBody);
});

it('a corrupt layer scanned in a worker fails the import with INVALID_ARCHIVE naming the layer', async () => {
  const img = await image(['gzip', 'gzip', 'gzip', 'gzip']);
  const files = ociLayout([img]);
  const bad = img.layers[2]!;
  const blob = Buffer.from(bad.blob);
  blob[Math.floor(blob.length / 2)]! ^= 0xff;
  files.set(blobName(bad.digest), blob);
  const e = await withThreads('2', async () => failure(readImages(Readable.from([await archiveTar(files)]))));
  expect(e).toBeInstanceOf(DomainError);
  expect(e.code).toBe('INVALID_ARCHIVE');
  expect(e.message).toMatch(/layer 3\/4/);
  expect(scanThreadsAlive()).toBe(0);
});

it('the entry and byte caps met inside a worker end the import with the cap\'s own message', async () => {
  const img = await image(['gzip', 'gzip', 'none']);
  const tarred = await archiveTar(ociLayout([img]));
  const total = img.layers.reduce((n, l) => n + l.tar.length, 0);
  const bytes = await withThreads('2', () => failure(readImages(Readable.from([tarred]), { maxTotalBytes: total - 1 })));
  expect(bytes.code).toBe('INVALID_ARCHIVE');
  expect(bytes.message).toBe(`archive exceeds the limit of ${total - 1} uncompressed bytes`);
  // The layout's own files count too: a cap of 40 is met inside the second layer's scan.
  const count = await withThreads('2', () => failure(readImages(Readable.from([tarred]), { maxEntries: 40 })));
  expect(count.code).toBe('INVALID_ARCHIVE');
  expect(count.message).toBe('archive exceeds the limit of 40 tar entries');
  await expect(withThreads('2', () => readImages(Readable.from([tarred]), { maxTotalBytes: total }))).resolves.toHaveLength(1);
  expect(scanThreadsAlive()).toBe(0);
});

it('a reader that fails half-way through a layer cancels the worker\'s scan: INVALID_ARCHIVE, nothing left running', async () => {
  const img = await image(['gzip', 'gzip']);
  const tarred = await archiveTar(ociLayout([img]));
  const big = img.layers[1]!;
  const at = tarred.indexOf(big.blob.subarray(0, 64)) + Math.floor(big.blob.length / 2);
  async function* broken(): AsyncGenerator<Buffer> {
    for (let i = 0; i < at; i += 16 * 1024) yield tarred.subarray(i, Math.min(at, i + 16 * 1024));
    throw new Error('connection reset');
  }
  const e = await withThreads('1', () => failure(readImages(Readable.from(broken()))));
  expect(e).toBeInstanceOf(DomainError);
  expect(e.code).toBe('INVALID_ARCHIVE');
  expect(e.message).toMatch(/connection reset/);
  expect(scanThreadsAlive()).toBe(0);
  // The pool still works afterwards.
  await expect(withThreads('1', () => readImages(Readable.from([tarred])))).resolves.toHaveLength(1);
});

it('a scan whose source fails is stopped in its worker, which goes on scanning others', async () => {
  const layer = await buildLayer({ compression: 'gzip', entries: entries(0, 30, 48 * 1024) });
  async function* half(): AsyncGenerator<Buffer> {
    yield layer.blob.subarray(0, layer.blob.length >> 1);
    throw new Error('the registry hung up');
  }
  await withThreads('1', async () => {
    // A second scan on the same worker, started first and still waiting for its bytes.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    async function* late(): AsyncGenerator<Buffer> { await gate; yield layer.blob; }
    const other = scanLayerOffThread(late(), new Budget(), 'other layer');
    try {
      const e = await failure(scanLayerOffThread(half(), new Budget(), 'layer 2/2'));
      expect(e.code).toBe('INVALID_ARCHIVE');
      expect(e.message).toBe('layer 2/2: the registry hung up');
      for (let i = 0; i < 100 && scansUnfinishedOffThread() > 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(scansUnfinishedOffThread()).toBe(1);
    } finally {
      release();
    }
    expect((await other).diffId).toBe(layer.diffId);
    expect(scansUnfinishedOffThread()).toBe(0);
  });
});
