/**
 * Layer scans run behind the archive reader (src/importers/scanFeed.ts, issue 19
 * item 2): several layers inflate at once while the tar is read in one pass.
 * What must not change: every figure equals the one computed independently,
 * a later archive entry of the same name still wins, a defect or a cap met in
 * a scan that is still running ends the import with INVALID_ARCHIVE (never a
 * partial result, never a hang), and the queue between reader and scans is bounded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readImages } from '../../src/importers';
import { DomainError } from '../../src/domain/errors';
import { FsBlobStore } from '../../src/blobs';
import { ByteGate, LayerFeed } from '../../src/importers/scanFeed';
import {
  archiveTar, blobName, buildImage, gzip, ociLayout, sha256, tarBytes, type BuiltImage, type Compression, type TarEntrySpec,
} from '../helpers/archiveBuilder';

/** A layer of `files` files of incompressible content (so gzip layers are big enough to overlap). */
function entries(layer: number, files: number, bytes: number): TarEntrySpec[] {
  const out: TarEntrySpec[] = [{ name: `l${layer}/`, type: 'directory' }];
  for (let f = 0; f < files; f++) out.push({ name: `l${layer}/f${f}.bin`, content: randomBytes(bytes) });
  return out;
}

async function bigImage(compressions: Compression[]): Promise<BuiltImage> {
  return buildImage({ layers: compressions.map((compression, i) => ({ compression, entries: entries(i, 40, 64 * 1024) })) });
}

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-concurrent-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('scans eight layers at once and every DiffID, digest, size and kept blob is the one computed independently', async () => {
  const img = await bigImage(['gzip', 'gzip', 'none', 'gzip', 'zstd', 'gzip', 'none', 'gzip']);
  const store = new FsBlobStore(join(tmp, 'blobs'));
  const session = await store.session();
  try {
    const [got] = await readImages(Readable.from([await archiveTar(ociLayout([img]))]), { blobs: session });
    expect(got!.layers.map((l) => ({ diffId: l.diffId, digest: l.digest, compressedSize: l.compressedSize, size: l.size })))
      .toEqual(img.layers.map((l) => ({ diffId: l.diffId, digest: l.digest, compressedSize: l.blob.length, size: l.fileBytes })));
    for (const l of got!.layers) expect(l.entries).toHaveLength(41);
    for (const l of img.layers) {
      expect(sha256(readFileSync(join(tmp, 'blobs', blobName(l.digest))))).toBe(l.digest);
    }
  } finally {
    await session.close();
  }
});

it('a later archive entry of the same name replaces an earlier one whose scan is still running', async () => {
  const img = await bigImage(['gzip', 'gzip']);
  const files = ociLayout([img]);
  const path = blobName(img.layers[0]!.digest);
  // The same path first holds another (valid) layer, then the real blob.
  const decoy = gzip(await tarBytes(entries(9, 40, 64 * 1024)));
  const list: TarEntrySpec[] = [{ name: 'blobs/', type: 'directory' }, { name: 'blobs/sha256/', type: 'directory' }, { name: path, content: decoy }];
  for (const [name, v] of files) if (Buffer.isBuffer(v)) list.push({ name, content: v });
  const [got] = await readImages(Readable.from([await tarBytes(list)]));
  expect(got!.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
});

it('a corrupt layer among others that scan at the same time fails the import with INVALID_ARCHIVE', async () => {
  const img = await bigImage(['gzip', 'gzip', 'gzip', 'gzip']);
  const files = ociLayout([img]);
  const bad = img.layers[2]!;
  const blob = Buffer.from(bad.blob);
  blob[Math.floor(blob.length / 2)]! ^= 0xff; // same size, corrupt deflate stream or digest
  files.set(blobName(bad.digest), blob);
  const err = await readImages(Readable.from([await archiveTar(files)])).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('INVALID_ARCHIVE');
  expect((err as DomainError).message).toMatch(/layer 3\/4/);
});

it('the byte cap met inside a scan still running behind the reader ends the import', async () => {
  const img = await bigImage(['gzip', 'gzip', 'gzip', 'gzip']);
  const tarred = await archiveTar(ociLayout([img]));
  const total = img.layers.reduce((n, l) => n + l.tar.length, 0);
  const err = await readImages(Readable.from([tarred]), { maxTotalBytes: total - 1 }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).message).toBe(`archive exceeds the limit of ${total - 1} uncompressed bytes`);
  await expect(readImages(Readable.from([tarred]), { maxTotalBytes: total })).resolves.toHaveLength(1);
});

describe('LayerFeed', () => {
  it('holds the reader back once the gate is full, and lets it go as the scan consumes', async () => {
    const gate = new ByteGate(100);
    const feed = new LayerFeed(gate);
    await feed.push(Buffer.alloc(60));
    let second = false;
    const pushing = feed.push(Buffer.alloc(60)).then(() => { second = true; });
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    const it = feed[Symbol.asyncIterator]();
    expect((await it.next()).value).toHaveLength(60);
    await pushing;
    expect(second).toBe(true);
    feed.end();
    expect((await it.next()).value).toHaveLength(60);
    expect((await it.next()).done).toBe(true);
    expect(gate.inUse).toBe(0);
  });

  it('ends the scan with the reader\'s error instead of waiting for bytes that will not come', async () => {
    const feed = new LayerFeed(new ByteGate(100));
    const it = feed[Symbol.asyncIterator]();
    const waiting = it.next();
    feed.abort(new Error('the archive ended early'));
    await expect(waiting).rejects.toThrow('the archive ended early');
  });

  it('gives queued bytes back when the consumer stops half-way', async () => {
    const gate = new ByteGate(100);
    const feed = new LayerFeed(gate);
    await feed.push(Buffer.alloc(30));
    await feed.push(Buffer.alloc(30));
    const it = feed[Symbol.asyncIterator]();
    await it.next();
    expect(gate.inUse).toBe(30);
    await it.return(undefined);
    expect(gate.inUse).toBe(0);
  });

  it('drops what is pushed after the consumer stopped, without blocking', async () => {
    const gate = new ByteGate(10);
    const feed = new LayerFeed(gate);
    feed.close();
    for (let i = 0; i < 5; i++) await feed.push(Buffer.alloc(10));
    expect(gate.inUse).toBe(0);
  });
});
