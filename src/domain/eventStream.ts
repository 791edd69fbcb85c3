/**
 * Which stream an event belongs to (docs/domain.md §7: one stream per image, tag,
 * layer and container; the blob store's housekeeping), so a decision that spans streams can be appended as
 * one batch.
 */
import { DomainEvent, streams } from './events';

export function streamOf(event: DomainEvent): string {
  switch (event.type) {
    case 'LayerCommitted': return streams.layer(event.data.diffId);
    case 'ImageCommitted':
    case 'ManifestDigestAdded':
    case 'ImageRemoved':
    case 'ImageTransferred': return streams.image(event.data.imageId);
    case 'TagMoved':
    case 'TagRemoved': return streams.tag(event.data.tag);
    case 'ContainerCreated':
    case 'ContainerFileChanged':
    case 'ContainerCommitted':
    case 'ContainerRemoved': return streams.container(event.data.containerId);
    case 'BlobsCollected': return streams.blobStore();
    case 'EngineEventObserved': return streams.engine(event.data.engineId);
  }
}

/** Groups events by stream, keeping their order within each stream and the order streams first appear. */
export function groupByStream(events: readonly DomainEvent[]): { stream: string; events: DomainEvent[] }[] {
  const groups = new Map<string, DomainEvent[]>();
  for (const e of events) {
    const s = streamOf(e);
    const g = groups.get(s);
    if (g) g.push(e);
    else groups.set(s, [e]);
  }
  return [...groups].map(([stream, evs]) => ({ stream, events: evs }));
}
