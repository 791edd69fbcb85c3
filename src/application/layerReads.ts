/**
 * The read port of the read-side use cases (distribution, efficiency, path
 * history): layer contents by DiffID and merged views by stack. The caller
 * decides how reads are batched and cached; the GraphQL loaders implement it
 * per request (src/graphql/resolvers/loaders.ts), so the application never
 * imports GraphQL (docs/architecture.md).
 */
import type { LayerEntry } from '../domain/layerEntry';
import type { MergedTree } from '../domain/mergedView';
import type { ImageRecord } from '../projections/records';

export interface LayerReads {
  /** Entry lists in the order of `diffIds`; an unknown DiffID has none. */
  entriesOf(diffIds: readonly string[]): Promise<(readonly LayerEntry[])[]>;
  /** The merged view of a stack of layers (an image's, or any prefix of one). */
  viewOf(stack: Pick<ImageRecord, 'layers'>): Promise<MergedTree>;
  /** The files kept whole for a layer (os-release), by path. */
  keptFilesOf(diffId: string): Promise<Map<string, Buffer>>;
}

/** An image's layers with their entry lists, bottom first. */
export async function layersWithEntries(rec: Pick<ImageRecord, 'layers'>, reads: LayerReads) {
  const lists = await reads.entriesOf(rec.layers.map((l) => l.diffId));
  return rec.layers.map((l, i) => ({ diffId: l.diffId, entries: lists[i] ?? [] }));
}
