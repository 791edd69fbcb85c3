/**
 * What an append does inside its transaction besides writing the events: store
 * the layer contents the events reference and project the events into the
 * tables. The application passes this to `append`; it never writes a table.
 */
import type { LayerEntry } from '../domain/layerEntry';
import type { WithinAppend } from '../eventStore/types';
import { saveKeptFiles, saveLayerEntries } from './layerContents';
import { projectEvents } from './tables';

export interface LayerContent {
  diffId: string;
  entries: readonly LayerEntry[];
  entriesDigest?: string;
  /** The stored form of `entries` (src/support/entryListBody.ts), when the layer scan made it; needs `entriesDigest`. */
  entriesBody?: Buffer;
  keptFiles?: readonly { path: string; content: Buffer }[];
}

/** Stores `contents` (content-addressed: what is there stays) and projects the appended events. */
export const appendWork = (contents: readonly LayerContent[]): WithinAppend => async (tx, events) => {
  for (const c of contents) {
    await saveLayerEntries(tx, c.diffId, c.entries, c.entriesDigest, c.entriesBody);
    if (c.keptFiles?.length) await saveKeptFiles(tx, c.diffId, c.keptFiles);
  }
  await projectEvents(tx, events);
};
