/**
 * Records imported images (docs/domain.md §6) through the one command pipeline
 * (runCommand, commands/append.ts): the pure decision is `decideImport`
 * (src/domain/image/import.ts) on the read model's state; the events go in one
 * append with the new layers' contents, so an import is all or nothing. What is
 * already recorded appends nothing. A concurrent writer that wins a stream
 * first makes the append CONFLICT; runCommand then re-decides on a fresh
 * model, so racing imports of shared layers both succeed. An idempotency key
 * is answered by the store at the append (`keyAtAppend`): the summary
 * describes this input either way.
 */
import type { ImageTransferredData } from '../domain/events';
import { decideImport, type ImportDecision, type ImportOutcome, type ImportState } from '../domain/image/import';
import type { KeyedRequest, StoredEvent } from '../eventStore/types';
import type { ImportedImage, ImportedLayer } from '../importers';
import type { ReadModel } from '../projections/readModel';
import type { Strata } from './strata';
import { runCommand } from './commands/append';

export type ImportSummaryImage = ImportOutcome;

export interface ImportSummary {
  images: ImportSummaryImage[]; appended: number; head: number;
  /** The events appended (empty when nothing was new or the idempotency key was seen). */
  events?: readonly StoredEvent[];
}

export interface ImportRecordOptions {
  actor?: string | null; extraTags?: string[]; idempotencyKey?: string | null; request?: KeyedRequest | null;
  /** A pull or push to record with the image in the same append (null: nothing to record for it). */
  transfer?: (img: ImportedImage, status: ImportSummaryImage['status']) => ImageTransferredData | null;
}

/** The ledger as the import decision reads it: one read model, so its versions are the expected versions. */
const importState = (model: ReadModel): ImportState => ({
  hasLayer: (diffId) => model.layers.has(diffId),
  image: (imageId) => {
    const rec = model.images.get(imageId);
    return rec && { live: rec.removedPosition === null, manifestDigests: rec.manifestDigests };
  },
  tagTarget: (tag) => model.tags.get(tag)?.imageId ?? null,
});

type Decided = ImportDecision<ImportedLayer> & { position: number };

export async function recordImport(app: Strata, images: readonly ImportedImage[], opts: ImportRecordOptions = {}): Promise<ImportSummary> {
  const who = { actor: opts.actor ?? null, idempotencyKey: opts.idempotencyKey ?? null, request: opts.request ?? null };
  return runCommand<Decided & { contents: ImportedLayer[] }, ImportSummary>(app, who, {
    pinned: false,
    keyAtAppend: true,
    async decide(model) {
      const d = decideImport<ImportedLayer, ImportedImage>({ images, extraTags: opts.extraTags, transfer: opts.transfer },
        importState(model));
      // An ImportedLayer is a LayerContent: its entries, digest and kept files are stored with its LayerCommitted.
      return { ...d, contents: d.newLayers, position: model.position };
    },
    async answer(d, appended) {
      if (appended.length === 0) return { images: d.images, appended: 0, head: d.position };
      return { images: d.images, appended: appended.length, head: appended[appended.length - 1]!.position, events: appended };
    },
    async replay(events, d) {
      // keyAtAppend: only the append answers a key, always with the decision it was asked to append.
      if (!d) throw new Error('recordImport: a replay without its decision');
      return { images: d.images, appended: 0, head: events[events.length - 1]?.position ?? d.position, events: [] };
    },
  });
}
