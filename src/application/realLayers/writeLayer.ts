/**
 * Writes a layer's tar into the blob store: tar → sha256 (the DiffID) →
 * gzip at a fixed level → blob writer (digest, size). File bytes stream from
 * the store (verified), so memory stays flat whatever the layer's size.
 * The same records give the same tar, hence the same DiffID; Node's zlib at a
 * fixed level (and a zero gzip mtime) gives the same blob on the same build.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { BlobStore, IngestSession } from '../../blobs';
import type { BuiltLayer } from '../../domain/image/committedLayer';
import { TarStreamWriter } from '../../tar/stream';
import { OCI_LAYER_GZIP } from '../../export/mediaTypes';
import type { TarRecord } from './layerTar';

/** Go's gzip.DefaultCompression, as Docker and containerd write layers. */
export const GZIP_LEVEL = 6;

class HashTap extends Transform {
  readonly hash = createHash('sha256');
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void { this.hash.update(chunk); cb(null, chunk); }
}

/** Writes an uncompressed tar produced by `produce` as a gzip blob; DiffID = sha256 of the tar. */
export async function writeGzipLayer(session: IngestSession, produce: (tar: TarStreamWriter) => Promise<void>): Promise<BuiltLayer> {
  const tap = new HashTap();
  const gz = createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
  const writer = await session.writer();
  tap.pipe(gz);
  const consumed = (async () => { for await (const c of gz) await writer.write(c as Buffer); })();
  try {
    const failed = consumed.then(() => new Promise<never>(() => undefined));
    failed.catch(() => undefined);
    await Promise.race([(async () => { const tar = new TarStreamWriter(tap); await produce(tar); await tar.finish(); })(), failed]);
    tap.end();
    await consumed;
    const info = await writer.commit();
    return { diffId: `sha256:${tap.hash.digest('hex')}`, digest: info.digest, mediaType: OCI_LAYER_GZIP, compressedSize: info.size };
  } catch (e) {
    tap.destroy();
    gz.destroy();
    await consumed.catch(() => undefined);
    await writer.abort();
    throw e;
  }
}

/** The layer of `records`, file bytes read from the store by content digest. */
export function writeLayer(blobs: BlobStore, session: IngestSession, records: readonly TarRecord[]): Promise<BuiltLayer> {
  return writeGzipLayer(session, async (tar) => {
    for (const r of records) await tar.entry(r.header, r.contentDigest ? blobs.read(r.contentDigest) : undefined);
  });
}
