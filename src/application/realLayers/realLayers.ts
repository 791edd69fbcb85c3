/**
 * Real layers for commits, upgrades and container commits (docs/architecture.md
 * "Real layers"). A command handler decides twice on the same clock:
 *
 *   1. decide without these ports → the new layer's entries;
 *   2. `portsFor(entries)`: make sure every file's bytes are in the store
 *      (request content, else copied up from a lower layer blob), write the
 *      deterministic tar (layerTar.ts) as a gzip blob → BuiltLayer;
 *   3. decide again with the ports → the same entries, now with the real
 *      DiffID and blob digest, and a manifest digest;
 *   4. after the append, the config and manifest bytes are stored (`finish`).
 *
 * When some file's bytes are unknown, the layer keeps its entry-list DiffID
 * and no blob: the commit is recorded, the image is not exportable, and export
 * names the path (export/plan.ts).
 * The session keeps everything written here from gc until `close`.
 */
import { sha256Digest } from '../../support/sha256';
import type { BlobStore, IngestSession } from '../../blobs';
import type { CommitPorts } from '../../domain/image/commit';
import type { BuiltLayer } from '../../domain/image/committedLayer';
import type { ImageLayerRef } from '../../domain/events';
import type { FileChange } from '../../domain/image/fileChange';
import type { LayerEntry } from '../../domain/layerEntry';
import { entriesDigest } from '../../projections/layerContents';
import { ociManifest, type Descriptor, type ManifestBytes } from '../../export/manifest';
import { layerMediaTypeOf, ociLayerType } from '../../export/mediaTypes';
import type { Strata } from '../strata';
import { decodeContents, storeContents, type FileChangeInput } from './content';
import { ensureContent } from './copyUp';
import { tarRecords } from './layerTar';
import { writeLayer } from './writeLayer';

export type RealLayerPorts = Pick<CommitPorts, 'builtLayer' | 'manifestOf'>;

export class RealLayers {
  private pending: { config: string; manifest: ManifestBytes } | null = null;
  /** The first path whose bytes were missing, when the layer could not be written. */
  missingPath: string | null = null;

  private constructor(private readonly app: Strata, readonly session: IngestSession) {}

  static async open(app: Strata): Promise<RealLayers> {
    return new RealLayers(app, await app.blobs.session());
  }

  /** Runs `fn` with a RealLayers whose session is closed afterwards. */
  static async using<T>(app: Strata, fn: (r: RealLayers) => Promise<T>): Promise<T> {
    const r = await RealLayers.open(app);
    try { return await fn(r); } finally { await r.close(); }
  }

  private get blobs(): BlobStore { return this.app.blobs; }

  /** Decodes and stores contentBase64 (BAD_USER_INPUT before anything is stored when one is bad). */
  async contents(changes: readonly FileChangeInput[]): Promise<FileChange[]> {
    const d = decodeContents(changes);
    await storeContents(this.session, d.contents);
    return d.changes;
  }

  private async descriptor(l: ImageLayerRef): Promise<Descriptor | null> {
    if (!l.digest) return null;
    const size = await this.blobs.stat(l.digest);
    if (size === null) return null;
    return { mediaType: ociLayerType(l.mediaType) ?? layerMediaTypeOf(await this.blobs.head(l.digest, 4)), digest: l.digest, size };
  }

  /**
   * Ports for the second decision. `entries`: the new layer's (null for a
   * rebase, which writes no layer); `lower`: the layers below it (copy-up
   * sources); `known`: every layer the new image may list; `prebuilt`: a
   * layer blob already stored (strata commit --layer).
   */
  async portsFor(
    entries: readonly LayerEntry[] | null, lower: readonly ImageLayerRef[], known: readonly ImageLayerRef[],
    now: string, prebuilt?: BuiltLayer,
  ): Promise<RealLayerPorts> {
    let built: BuiltLayer | null = prebuilt ?? null;
    if (entries && !prebuilt) {
      this.missingPath = await ensureContent(this.blobs, this.session, entries, lower, (ids) => this.app.views.layerEntries(ids));
      if (this.missingPath === null) built = await writeLayer(this.blobs, this.session,
        tarRecords(entries, Math.floor(Date.parse(now) / 1000)));
    }
    // The entries' layer has no blob (a file's bytes unknown), so the new image's layer list has a layer without a
    // digest: no manifest can be written, and no layer store needs a look-up to say so.
    if (entries && !built) return { builtLayer: () => null, manifestOf: () => null };
    const descs = new Map<string, Descriptor>();
    const firsts = new Map<string, ImageLayerRef>();
    for (const l of known) if (l.digest && !firsts.has(l.digest)) firsts.set(l.digest, l);
    // Each distinct stored layer once, all at once (a stat and maybe a head each: independent round trips).
    const looked = await Promise.all([...firsts.values()].map((l) => this.descriptor(l)));
    for (const d of looked) if (d) descs.set(d.digest, d);
    if (built) descs.set(built.digest, { mediaType: built.mediaType, digest: built.digest, size: built.compressedSize });
    const forEntries = entries ? entriesDigest(entries) : null;
    return {
      builtLayer: (e) => (built && (prebuilt || forEntries === entriesDigest(e)) ? built : null),
      manifestOf: (config, layers) => {
        const list = layers.map((l) => (l.digest ? descs.get(l.digest) : undefined));
        if (list.some((d) => d === undefined)) return null;
        const bytes = Buffer.from(config, 'utf8');
        const manifest = ociManifest({ digest: sha256Digest(bytes), size: bytes.length },
          list as Descriptor[]);
        this.pending = { config, manifest };
        return manifest.digest;
      },
    };
  }

  /** Stores the new image's config and manifest bytes (after the decision). */
  async finish(): Promise<void> {
    if (!this.pending) return;
    await this.session.put(Buffer.from(this.pending.config, 'utf8'));
    await this.session.put(this.pending.manifest.bytes, { digest: this.pending.manifest.digest });
  }

  close(): Promise<void> { return this.session.close(); }
}
