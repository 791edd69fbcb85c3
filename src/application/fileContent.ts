/**
 * MergedFile.content and `strata cat` (issue 23): a file's bytes read back
 * from the layer blob that provides it. The blob is streamed once, through its
 * decompressor (detected from magic bytes, docs/domain.md §6) and the layer tar
 * extractor, up to the entry; only the requested window is kept in memory, and
 * the stream is dropped as soon as the window is full.
 * A hard link is followed to its target, an earlier entry of the same layer
 * (import refuses links onto other layers, as Docker cannot extract them).
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { BlobStore } from '../blobs';
import { DomainError, badInput, notFound } from '../domain/errors';
import type { LayerEntry, MergedEntry } from '../domain/layerEntry';
import type { MergedTree } from '../domain/mergedView';
import type { ImageRecord } from '../projections/records';
import { decompressor, MAGIC_BYTES, sniffCompression } from '../importers/compression';
import { layerNames, newLayerExtract } from '../importers/tarWalk';
import { classifyTarName } from '../domain/whiteout';

/** The most bytes one read returns (a client pages with offset for more). */
export const MAX_CONTENT_LENGTH = 4 * 1024 * 1024;

export interface FileContent { bytes: Buffer; size: number; truncated: boolean }

export interface ContentReads {
  blobs: BlobStore;
  view: MergedTree;
  entriesOf(diffId: string): Promise<readonly LayerEntry[]>;
}

/** Thrown when the blob holding the file is not stored: the image was imported metadata-only, or collected. */
export function blobsNotKept(rec: ImageRecord, layerIndex: number, why: string): DomainError {
  return new DomainError('NOT_FOUND',
    `the content of this file is not available: layer ${layerIndex + 1}/${rec.layers.length} of image ${rec.imageId} ${why} `
    + '(imported with STRATA_KEEP_BLOBS=0, or collected by gc)', { imageId: rec.imageId, code: 'BLOB_NOT_KEPT' });
}

function window(offset: unknown, length: unknown): { offset: number; length: number } {
  const o = offset === undefined || offset === null ? 0 : Number(offset);
  const l = length === undefined || length === null ? 65536 : Number(length);
  if (!Number.isSafeInteger(o) || o < 0) throw badInput(`offset must be a non-negative integer, not ${String(offset)}`);
  if (!Number.isSafeInteger(l) || l < 0) throw badInput(`length must be a non-negative integer, not ${String(length)}`);
  return { offset: o, length: Math.min(l, MAX_CONTENT_LENGTH) };
}

/** Where the bytes of `e` live: the entry (path, layer) whose tar data is the file's content. */
async function contentSource(e: MergedEntry, reads: ContentReads, rec: ImageRecord):
  Promise<{ path: string; layerIndex: number; size: number }> {
  if (e.kind === 'FILE') return { path: e.path, layerIndex: e.layerIndex, size: e.size };
  if (e.kind !== 'HARDLINK' || !e.linkTarget) {
    throw badInput(`${e.path} is a ${e.kind.toLowerCase()}, not a regular file: it has no content`);
  }
  const own = (await reads.entriesOf(rec.layers[e.layerIndex]!.diffId)).find((x) => x.path === e.linkTarget && x.kind === 'FILE');
  if (own) return { path: own.path, layerIndex: e.layerIndex, size: own.size };
  throw notFound(`hard link ${e.path} points at ${e.linkTarget}, which is not a regular file of this image`);
}

/** The located content of `path`: which blob holds it, at which tar path, and its size. */
export async function locateContent(rec: ImageRecord, path: string, reads: ContentReads):
  Promise<{ digest: string; path: string; size: number }> {
  const e = reads.view.lookup(path);
  if (!e) throw notFound(`no file ${path} in image ${rec.imageId}`);
  const src = await contentSource(e, reads, rec);
  const layer = rec.layers[src.layerIndex]!;
  if (!layer.digest) throw blobsNotKept(rec, src.layerIndex, 'has no stored blob');
  if ((await reads.blobs.stat(layer.digest)) === null) {
    throw blobsNotKept(rec, src.layerIndex, `blob ${layer.digest} is not in the blob store`);
  }
  return { digest: layer.digest, path: src.path, size: src.size };
}

export async function readFileContent(rec: ImageRecord, path: string, reads: ContentReads,
  args: { offset?: unknown; length?: unknown } = {}): Promise<FileContent> {
  const { offset, length } = window(args.offset, args.length);
  const at = await locateContent(rec, path, reads);
  const want = Math.max(0, Math.min(length, at.size - offset));
  const chunks: Buffer[] = [];
  await streamContent(reads.blobs, at, offset, want, async (c) => { chunks.push(c); });
  const bytes = Buffer.concat(chunks);
  return { bytes, size: at.size, truncated: offset + bytes.length < at.size };
}

/**
 * Streams bytes [offset, offset+want) of the entry `at.path` of a layer blob to `sink`
 * (awaited per chunk: backpressure), then stops reading the blob.
 */
export async function streamContent(blobs: BlobStore, at: { digest: string; path: string }, offset: number, want: number,
  sink: (chunk: Buffer) => Promise<void>): Promise<void> {
  const { digest, path } = at;
  const compression = sniffCompression(await blobs.head(digest, MAGIC_BYTES));
  const extract = newLayerExtract();
  const source = blobs.read(digest);
  let found = false;
  const done = new Error('done');
  const walk = (async () => {
    for await (const entry of extract) {
      const h = layerNames(entry.header);
      const name = classifyTarName(h.name);
      const isFile = h.type === 'file' || h.type === 'contiguous-file';
      if (isFile && name.type === 'path' && name.path === path) {
        found = true;
        let pos = 0;
        let got = 0;
        if (want > 0) {
          for await (const c of entry as AsyncIterable<Buffer>) {
            const start = Math.max(0, offset - pos);
            const end = Math.min(c.length, offset + want - pos);
            if (end > start) { await sink(c.subarray(start, end)); got += end - start; }
            pos += c.length;
            if (got >= want) break;
          }
        }
        throw done;
      }
      entry.resume();
    }
  })();
  const feed = pipeline(source, decompressor(compression), extract as unknown as Writable).catch((e) => {
    if (!found) throw e;
  });
  try {
    await walk;
  } catch (e) {
    if (e !== done) { source.destroy(); throw e; }
  }
  source.destroy();
  extract.destroy();
  await feed.catch(() => undefined);
  if (!found) throw new DomainError('INTERNAL_SERVER_ERROR', `layer blob ${digest} has no entry ${path}, though the ledger records one`);
}
