/**
 * The application shell: one object per process holding the event store, the
 * read model source and the merged-view cache. Every write goes through
 * `append`, which stores content (layer entries, kept files) and projects the
 * tables inside the same transaction as the events.
 */
import type { LayerEntry } from '../domain/layerEntry';
import type { AppendOptions, AppendResult, EventStore, StreamAppend } from '../eventStore/types';
import { openEventStore } from '../eventStore';
import { openBlobStore, type BlobStore } from '../blobs';
import type { WebhookEndpoint } from '../domain/webhooks';
import { saveKeptFiles, saveLayerEntries } from '../projections/layerContents';
import { MergedViewCache } from '../projections/mergedViews';
import { ReadModelSource } from '../projections/readModelSource';
import { projectEvents } from '../projections/tables';

export interface LayerContent {
  diffId: string;
  entries: readonly LayerEntry[];
  entriesDigest?: string;
  keptFiles?: readonly { path: string; content: Buffer }[];
}

export class Strata {
  readonly models: ReadModelSource;
  readonly views: MergedViewCache;

  /** Layer blobs, configs and manifests (src/blobs; docs/architecture.md "Blob store"). */
  readonly blobs: BlobStore;

  /** Told when a command is answered from an idempotency key's first result (serve counts these for /metrics). */
  onIdempotentReplay?: () => void;

  /** Told the bytes a registry pull fetched or a push uploaded, and how long it took (serve counts these for /metrics). */
  onTransfer?: (direction: 'pull' | 'push', bytes: number, seconds: number) => void;

  /** The outbound webhooks `strata serve` delivers (docs/webhooks.md); empty elsewhere. */
  webhookEndpoints: readonly WebhookEndpoint[] = [];

  constructor(readonly store: EventStore, blobs?: BlobStore) {
    this.models = new ReadModelSource(store);
    this.views = new MergedViewCache(store.sql);
    this.blobs = blobs ?? openBlobStore(null);
  }

  /** `blobs`: the --blobs option (default $STRATA_BLOBS, then blobs/ next to a SQLite database). */
  static async open(db?: string | null, options: { blobs?: string | null } = {}): Promise<Strata> {
    const blobs = openBlobStore(db, options.blobs);
    return new Strata(await openEventStore(db), blobs);
  }

  /** Appends events atomically with the layer content they reference and their projections. */
  async append(batch: StreamAppend[], options: AppendOptions = {}, contents: readonly LayerContent[] = []): Promise<AppendResult> {
    return this.store.append(batch, options, async (tx, events) => {
      for (const c of contents) {
        await saveLayerEntries(tx, c.diffId, c.entries, c.entriesDigest);
        if (c.keptFiles?.length) await saveKeptFiles(tx, c.diffId, c.keptFiles);
      }
      await projectEvents(tx, events);
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
