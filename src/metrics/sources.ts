/** The gauges' sources for a running `strata serve` (metrics.ts MetricSources). */
import type { Strata } from '../application/strata';
import { subscriberPositions } from '../graphql/subscriptions';
import { readModelSize } from '../projections/readModelSize';
import type { MetricSources } from './metrics';

/** Walking the blob store costs a stat per blob: at most once a minute. */
const BLOB_RECOUNT_MS = 60_000;

export function sourcesFor(app: Strata): MetricSources {
  let blobs: { at: number; bytes: Promise<number> } | null = null;
  return {
    head: () => app.store.head(),
    readModelSize: () => readModelSize(app.store),
    blobStoreBytes: () => {
      if (!blobs || Date.now() - blobs.at > BLOB_RECOUNT_MS) {
        const bytes = (async () => {
          let n = 0;
          for await (const b of app.blobs.list()) n += b.size;
          return n;
        })();
        blobs = { at: Date.now(), bytes: bytes.catch(() => 0) };
      }
      return blobs.bytes;
    },
    subscriberPositions,
  };
}
