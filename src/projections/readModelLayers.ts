/**
 * The image layers of the read model, shared between images. A fleet is a few
 * dozen bases and hundreds of runtimes under many small application layers
 * (bench/fleet.ts): nearly every image repeats layers another image already
 * holds. Each ImageCommitted arrives as fresh JSON, so without this every
 * image would hold its own copies of the same DiffIDs, ChainIDs, digests and
 * layer records, and hash its own ChainIDs again. Here:
 *
 * - a ChainID is computed once per (parent ChainID, DiffID) and the same
 *   string returned after (docs/domain.md: chainID(n) = sha256(chainID(n-1) + " " + diffID(n)));
 * - a layer record is kept per ChainID and handed to every image whose layer
 *   at that position has the same blob, size and history line; records are
 *   never mutated after they are made, so sharing them is safe.
 *
 * Memory stays proportional to distinct layers, not images × layers.
 */
import type { Sha256Hex } from '../domain/digest';
import type { ImageLayerRecord } from './records';

/**
 * A ChainID and the ChainIDs of the layers stacked on it, by their DiffID:
 * the first in two fields, any more in a Map. Most stacks have at most one
 * layer on them (an application's next layer); a Map each cost ~170 bytes.
 */
interface ChainNode { chainId: string; firstDiffId: string | null; first: ChainNode | null; above: Map<string, ChainNode> | null }

/**
 * The string as one flat sequence. `sha256:${hex}` is a two-part (cons)
 * string: 112 bytes where the flat one takes 88, and ChainIDs are kept for
 * every stack.
 */
const flat = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

const newNode = (chainId: string): ChainNode => ({ chainId, firstDiffId: null, first: null, above: null });

export class SharedImageLayers {
  private readonly roots = new Map<string, ChainNode>();
  private readonly records = new Map<string, ImageLayerRecord>();
  private readonly mediaTypes = new Map<string, string>();

  constructor(private readonly sha256Hex: Sha256Hex) {}

  /** ChainIDs bottom first, equal to chainIdsOf (domain/digest.ts); O(layers) map lookups once each stack is known. */
  chainIds(diffIds: readonly string[]): string[] {
    // Sized up front: a pushed-to array keeps spare capacity (16 slots for 7 ChainIDs), and the
    // stack indexes keep this array for every image.
    const out = new Array<string>(diffIds.length);
    let node: ChainNode | undefined;
    for (let k = 0; k < diffIds.length; k++) {
      const diffId = diffIds[k]!;
      let next: ChainNode | undefined;
      if (node === undefined) {
        next = this.roots.get(diffId);
        if (!next) { next = newNode(diffId); this.roots.set(diffId, next); }
      } else {
        next = node.firstDiffId === diffId ? node.first! : node.above?.get(diffId);
        if (!next) {
          next = newNode(flat(`sha256:${this.sha256Hex(`${node.chainId} ${diffId}`)}`));
          if (node.first === null) { node.firstDiffId = diffId; node.first = next; } else (node.above ??= new Map()).set(diffId, next);
        }
      }
      out[k] = next.chainId;
      node = next;
    }
    return out;
  }

  /** The one record for this layer at this ChainID, made on first sight. */
  record(l: ImageLayerRecord): ImageLayerRecord {
    const kept = this.records.get(l.chainId);
    if (kept && kept.index === l.index && kept.diffId === l.diffId && kept.digest === l.digest && kept.mediaType === l.mediaType
      && kept.compressedSize === l.compressedSize && kept.size === l.size && kept.createdBy === l.createdBy) return kept;
    const digest = kept?.digest === l.digest ? kept.digest : l.digest;
    // Every field named in one literal, in one order: records then share one hidden class. A spread
    // copy frozen afterwards got a hidden class of its own per record (~290 bytes each, measured).
    const made: ImageLayerRecord = Object.freeze({
      index: l.index, diffId: l.diffId, chainId: l.chainId, digest, mediaType: this.mediaType(l.mediaType),
      compressedSize: l.compressedSize, size: l.size, createdBy: l.createdBy,
    });
    if (!kept) this.records.set(l.chainId, made);
    return made;
  }

  /** One copy of each media type (a handful of values over the whole log). */
  mediaType(s: string | null): string | null {
    if (s === null) return null;
    const kept = this.mediaTypes.get(s);
    if (kept !== undefined) return kept;
    this.mediaTypes.set(s, s);
    return s;
  }
}
