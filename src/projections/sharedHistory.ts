/**
 * History steps shared between images. Images built FROM the same base or
 * runtime repeat its steps (same line, same time stamp, same layer index),
 * and each ImageCommitted arrives as fresh JSON: kept as parsed, every image
 * held its own copy of every step and of its strings (~40 MB at 100,000
 * images, bench/RESULTS.md "Fleet memory, second pass"). Here a step equal in
 * every field to one already held is that one; steps are frozen, so sharing
 * them is safe.
 *
 * Indexed by the step's own strings (line, then time stamp): looking a step up
 * makes no new string, and a step no other image has costs one entry.
 */
import type { HistoryStep } from '../domain/events';

type Held = HistoryStep | HistoryStep[];

const same = (a: HistoryStep, b: HistoryStep): boolean => a.created === b.created && a.createdBy === b.createdBy
  && a.comment === b.comment && a.emptyLayer === b.emptyLayer && a.layerIndex === b.layerIndex;

export class SharedHistorySteps {
  /** createdBy → created → the distinct steps with both (one, or a list when they differ elsewhere). */
  private readonly byLine = new Map<string | null, Map<string | null, Held>>();

  /** The steps of one image, each the shared copy (a new array: the image's own list). */
  steps(history: readonly HistoryStep[]): HistoryStep[] {
    const out = new Array<HistoryStep>(history.length);
    for (let i = 0; i < history.length; i++) out[i] = this.step(history[i]!);
    return out;
  }

  private step(h: HistoryStep): HistoryStep {
    let byCreated = this.byLine.get(h.createdBy);
    if (!byCreated) { byCreated = new Map(); this.byLine.set(h.createdBy, byCreated); }
    const held = byCreated.get(h.created);
    if (held !== undefined) {
      if (!Array.isArray(held)) { if (same(held, h)) return held; } else for (const s of held) if (same(s, h)) return s;
    }
    // Every field named in one literal: shared steps then share one hidden class.
    const made: HistoryStep = Object.freeze({
      created: h.created, createdBy: h.createdBy, comment: h.comment, emptyLayer: h.emptyLayer, layerIndex: h.layerIndex,
    });
    if (held === undefined) byCreated.set(h.created, made);
    else if (Array.isArray(held)) held.push(made);
    else byCreated.set(h.created, [held, made]);
    return made;
  }
}
