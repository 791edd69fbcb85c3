/**
 * The application shell: one object per process holding the event store, the
 * read model source and the merged-view cache. Every write goes through
 * `append`, which stores content (layer entries, kept files) and projects the
 * tables inside the same transaction as the events (src/projections/appendWork.ts).
 * This is where the app is composed: the store is opened here (or handed in by
 * a test) and passed to the projections; no layer above runs SQL.
 */
import type { AppendOptions, AppendResult, EventStore, StreamAppend } from '../eventStore/types';
import { openEventStore } from '../eventStore';
import { openBlobStore, type BlobStore } from '../blobs';
import type { WebhookEndpoint } from '../domain/webhooks';
import { appendWork, type LayerContent } from '../projections/appendWork';
import { MergedViewCache } from '../projections/mergedViews';
import { ReadModelSource } from '../projections/readModelSource';
import { ReadModelSnapshots } from '../projections/readModelSnapshots';

export type { LayerContent } from '../projections/appendWork';

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

  /** Told why a read-model snapshot was passed over (serve logs it); silent elsewhere. */
  onReadModelLog: (line: string) => void = () => undefined;

  constructor(readonly store: EventStore, blobs?: BlobStore) {
    // A start loads the newest usable read-model snapshot and folds only the log after it (docs/adr/0012-read-model-snapshots.md).
    this.models = new ReadModelSource(store, 4, new ReadModelSnapshots(store, (line) => this.onReadModelLog(line)));
    this.views = new MergedViewCache(store);
    this.blobs = blobs ?? openBlobStore(null);
  }

  /** `blobs`: the --blobs option (default $STRATA_BLOBS, then blobs/ next to a SQLite database). */
  static async open(db?: string | null, options: { blobs?: string | null } = {}): Promise<Strata> {
    const blobs = openBlobStore(db, options.blobs);
    return new Strata(await openEventStore(db), blobs);
  }

  /** Appends events atomically with the layer content they reference and their projections. */
  async append(batch: StreamAppend[], options: AppendOptions = {}, contents: readonly LayerContent[] = []): Promise<AppendResult> {
    return this.store.append(batch, options, appendWork(contents));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
