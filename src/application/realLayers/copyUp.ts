/**
 * Bytes a new layer needs that the request did not carry: a MODIFIED file
 * given no new bytes (a chmod, a chown) is copied up whole from the lower
 * layer that holds it (domain.md §3), as overlayfs does. The lower layers of
 * the parent are searched top down for a FILE with the same content digest;
 * its layer blob is streamed once (verified), and the file is kept in the blob
 * store under its content digest (verified again), never held in memory.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, IngestSession } from '../../blobs';
import type { LayerEntry } from '../../domain/layerEntry';
import { decompressor, sniffCompression } from '../../importers/compression';
import { entryData, layerNames, newLayerExtract } from '../../importers/tarWalk';
import { toLayerEntry } from '../../importers/tarEntry';

export interface LowerLayer { diffId: string; digest: string | null }

/** A layer blob as its uncompressed tar stream (verified while read). */
export async function layerTarStream(blobs: BlobStore, digest: string): Promise<Readable> {
  const head = await blobs.head(digest, 4);
  const src = blobs.read(digest);
  const dec = decompressor(sniffCompression(head));
  src.on('error', (e) => dec.destroy(e));
  return src.pipe(dec);
}

/** Copies the files at `wanted` paths (path → content digest) out of one layer blob into the store; returns the digests found. */
async function extractFrom(
  blobs: BlobStore, session: IngestSession, layerDigest: string, wanted: Map<string, string>,
): Promise<Set<string>> {
  const found = new Set<string>();
  const ex = newLayerExtract();
  ex.on('entry', (h, stream, next) => {
    void (async () => {
      const probe = h.type === 'file' || h.type === 'contiguous-file' ? toLayerEntry(layerNames(h), null) : null;
      const digest = probe ? wanted.get(probe.path) : undefined;
      const w = digest && !found.has(digest) ? await session.writer() : null;
      for await (const c of entryData(h, stream)) if (w) await w.write(c);
      if (!w || !digest) return;
      // A path repeated in a layer: only the copy with the recorded digest is kept.
      try { await w.commit({ digest }); found.add(digest); } catch { await w.abort(); }
    })().then(() => next(), (e: unknown) => next(e as Error));
  });
  await pipeline(await layerTarStream(blobs, layerDigest), ex as unknown as NodeJS.WritableStream);
  return found;
}

/**
 * Makes sure the store holds the bytes of every FILE the entries write.
 * Returns the path of the first file whose bytes Strata does not have (the
 * layer cannot be written then), or null.
 */
export async function ensureContent(
  blobs: BlobStore, session: IngestSession, entries: readonly LayerEntry[],
  lower: readonly LowerLayer[], entriesOf: (diffIds: string[]) => Promise<Map<string, readonly LayerEntry[]>>,
): Promise<string | null> {
  const need = new Map<string, string>();
  for (const e of entries) {
    if (e.kind !== 'FILE' || e.size === 0) continue;
    if (!e.contentDigest) return e.path;
    if (!need.has(e.contentDigest)) need.set(e.contentDigest, e.path);
  }
  // Independent look-ups: asked at once, not one round trip of the file system's thread pool after another.
  const present = (await Promise.all([...need.keys()].map(async (d) => ((await blobs.stat(d)) === null ? null : d))))
    .filter((d): d is string => d !== null);
  await Promise.all(present.map((d) => session.touch(d)));
  for (const d of present) need.delete(d);
  if (need.size === 0) return null;
  const stored = lower.filter((l) => l.digest !== null);
  const lists = await entriesOf(stored.map((l) => l.diffId));
  for (const l of [...stored].reverse()) {
    if (need.size === 0) break;
    const here = new Map((lists.get(l.diffId) ?? [])
      .filter((e) => e.kind === 'FILE' && e.contentDigest && need.has(e.contentDigest)).map((e) => [e.path, e.contentDigest!] as const));
    if (here.size === 0 || (await blobs.stat(l.digest!)) === null) continue;
    for (const d of await extractFrom(blobs, session, l.digest!, here)) need.delete(d);
  }
  return need.size === 0 ? null : need.values().next().value!;
}

