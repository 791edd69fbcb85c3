/**
 * The longest lists the read model holds, kept event by event for the cost
 * model (src/graphql/costs.ts: upper bounds of the unpaged lists). Computed
 * from scratch per position they cost a scan of every image plus a lineage
 * rebuild after every write: ~125 ms of CPU at 10,000 images, paid by the
 * first request after each commit. Here each event costs O(what it touches).
 *
 * Every figure is a maximum over everything ever recorded (images are never
 * forgotten by the model), so it only grows, except the tags per image,
 * which is exact (a histogram of tag counts). The lineage's widest family is
 * not incremental (lineage is rebuilt lazily): between rebuilds it is bounded
 * from the last exact value — a new image that no live image extends (a
 * leaf: nearly every commit) adds one child to one parent; a removal hands
 * the removed image's children to its parent, at most doubling the widest.
 * Anything else (an image others extend, a new manifest digest that
 * annotations may name) loses the bound until the next exact count.
 */
import type { ContainerRecord, ImageRecord, TagRecord } from './records';

export class ReadModelStats {
  maxLayers = 0;
  maxHistory = 0;
  maxManifests = 0;
  maxTagMoves = 0;
  maxChanges = 0;
  maxImagesPerLayer = 0;
  private readonly imagesPerLayer = new Map<string, number>();
  private readonly tagsPerImage = new Map<string, number>();
  /** tagCounts[k] = images with exactly k tags (k ≥ 1). */
  private readonly tagCounts: number[] = [0];
  private maxTags = 0;
  /** Widest lineage family when last computed exactly, the bound since, and whether the bound is lost. */
  private childrenExact = 0;
  private childrenBound = 0;
  private childrenUnknown = true;

  /**
   * An image record made live; `isNew` when the model had never seen it (a
   * re-commit keeps its layers); `extended` when a live image's chain
   * strictly extends its chain (it may take them all as children).
   */
  image(rec: ImageRecord, isNew: boolean, extended: boolean): void {
    this.maxLayers = Math.max(this.maxLayers, rec.layers.length);
    this.maxHistory = Math.max(this.maxHistory, rec.history.length);
    this.manifests(rec);
    this.childrenBound++;
    if (extended) this.childrenUnknown = true;
    if (!isNew) return;
    const seen = new Set<string>();
    for (const l of rec.layers) {
      if (seen.has(l.diffId)) continue;
      seen.add(l.diffId);
      const n = (this.imagesPerLayer.get(l.diffId) ?? 0) + 1;
      this.imagesPerLayer.set(l.diffId, n);
      if (n > this.maxImagesPerLayer) this.maxImagesPerLayer = n;
    }
  }

  manifests(rec: ImageRecord): void {
    this.maxManifests = Math.max(this.maxManifests, rec.manifestDigests.length);
  }

  /** A manifest digest became known: images annotated with it may all change parent at once (no bound). */
  manifestAdded(): void {
    this.childrenUnknown = true;
  }

  imageRemoved(): void {
    this.childrenBound *= 2;
  }

  /** A tag moved or was removed: `from` and `to` are the images it pointed at before and after. */
  tagMoved(t: TagRecord, from: string | null, to: string | null): void {
    this.maxTagMoves = Math.max(this.maxTagMoves, t.history.length);
    if (from === to) return;
    if (from !== null) this.countTags(from, -1);
    if (to !== null) this.countTags(to, +1);
  }

  containerChanged(c: ContainerRecord): void {
    this.maxChanges = Math.max(this.maxChanges, c.changes.length);
  }

  /** Most tags pointing at one image now. */
  get maxTagsPerImage(): number { return this.maxTags; }

  /**
   * True when the bound must be replaced by an exact count: it is lost, or it
   * has drifted far above the last exact value (then a lineage rebuild,
   * O(total layers), pays for itself over the writes that drifted it).
   */
  childrenNeedExact(): boolean {
    return this.childrenUnknown || this.childrenBound > 2 * this.childrenExact + 32;
  }

  /** An upper bound of the widest lineage family (exact right after `childrenCounted`). */
  get maxChildren(): number { return this.childrenBound; }

  childrenCounted(exact: number): void {
    this.childrenExact = exact;
    this.childrenBound = exact;
    this.childrenUnknown = false;
  }

  private countTags(imageId: string, delta: 1 | -1): void {
    const before = this.tagsPerImage.get(imageId) ?? 0;
    const after = before + delta;
    if (after === 0) this.tagsPerImage.delete(imageId); else this.tagsPerImage.set(imageId, after);
    if (before > 0) this.tagCounts[before]!--;
    if (after > 0) this.tagCounts[after] = (this.tagCounts[after] ?? 0) + 1;
    if (after > this.maxTags) this.maxTags = after;
    while (this.maxTags > 0 && !this.tagCounts[this.maxTags]) this.maxTags--;
  }
}
