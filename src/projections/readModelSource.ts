/**
 * Where queries get a read model: `current()` catches up with the log (one
 * cheap round trip when nothing changed; none on SQLite while the store's
 * change counter says nothing was committed), so every instance sees every
 * other instance's writes at once after they return; `at(position)` folds a
 * prefix of the log for `asOf` queries, keeping a few recent ones.
 */
import { badInput } from '../domain/errors';
import { collectHeapNow } from '../support/fullHeapCollection';
import type { EventStore } from '../eventStore/types';
import { ReadModel } from './readModel';
import type { ReadModelSnapshots } from './readModelSnapshots';

/** Events folded between two yields to the event loop (a page is read synchronously on SQLite). */
const PAGE = 500;

/** Events folded by a first catch-up past which it ends with a full GC. */
const GC_AFTER_FOLDING = 20_000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ReadModelSource {
  private model = new ReadModel();
  private running: Promise<ReadModel> | null = null;
  private queued: Promise<ReadModel> | null = null;
  private readonly historic = new Map<number, Promise<ReadModel>>();
  private folding: Promise<void> = Promise.resolve();
  /** The chain hash of the event at the model's position (what a snapshot of it is checked against). */
  private hash: string | null = null;
  /** False until the first catch-up has looked for a snapshot to start from. */
  private started = false;
  /** Position of the snapshot this model started from or last wrote (0: none). */
  private snapshotAt = 0;
  private writing: Promise<unknown> | null = null;
  /**
   * The store's change counter (EventLog.changeCounter) read just before the
   * head the model was last caught up to; null when unknown (no counter, no
   * catch-up finished yet, or one failed or is under way).
   */
  private seenChange: number | null = null;

  /**
   * `snapshots`: start from the newest usable read-model snapshot and fold
   * only the log after it (docs/adr/0012-read-model-snapshots.md); without,
   * every start folds the whole log.
   */
  constructor(private readonly store: EventStore, private readonly keepHistoric = 4,
    private readonly snapshots: ReadModelSnapshots | null = null) {}

  /** The log position the current model has folded up to (readiness: metrics/readiness.ts). */
  get position(): number { return this.model.position; }

  /** Events folded since the snapshot this model started from or last wrote (all of them without one). */
  get eventsSinceSnapshot(): number { return this.model.position - this.snapshotAt; }

  /** A snapshot at `position` was written elsewhere (`strata snapshot` in a child process). */
  noteSnapshot(position: number): void {
    this.snapshotAt = Math.max(this.snapshotAt, Math.min(position, this.model.position));
  }

  /**
   * Writes a snapshot of the current model now (the encoding is synchronous:
   * the model cannot change while it is taken). One at a time; null when
   * there is nothing new to keep or no snapshot store.
   */
  async snapshot(): Promise<{ id: string; bytes: number; position: number } | null> {
    if (!this.snapshots || this.hash === null || this.model.position === 0 || this.model.position === this.snapshotAt) return null;
    if (this.writing) await this.writing.catch(() => undefined);
    const model = this.model;
    const hash = this.hash;
    if (model.position === this.snapshotAt) return null;
    const w = this.snapshots.write(model, hash);
    this.writing = w;
    try {
      const done = await w;
      this.snapshotAt = Math.max(this.snapshotAt, done.position);
      return done;
    } finally {
      if (this.writing === w) this.writing = null;
    }
  }

  /**
   * Folds every event after the model's position. Callers arriving while a
   * catch-up runs do not share it — it may have read the head before their
   * own write committed — but share the next one, which starts after it:
   * read-your-writes without a round trip per caller.
   */
  current(): Promise<ReadModel> {
    if (!this.running) {
      if (this.unchangedSinceCatchUp()) return Promise.resolve(this.model);
      this.running = this.catchUp().finally(() => { this.running = null; });
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running.catch(() => undefined).then(() => {
        this.queued = null;
        return this.current();
      });
    }
    return this.queued;
  }

  private async catchUp(): Promise<ReadModel> {
    let first = false;
    if (!this.started) {
      this.started = true;
      first = true;
      const loaded = await this.snapshots?.loadNewest();
      if (loaded && this.model.position === 0) {
        this.model = loaded.model;
        this.hash = loaded.hash;
        this.snapshotAt = loaded.model.position;
      }
      if (loaded) collectHeapNow();
    }
    const from = this.model.position;
    this.seenChange = null;
    // Read before the head: a commit after this read moves the counter, so an unchanged counter later proves this head current.
    const change = this.readChange();
    const head = await this.store.head();
    while (this.model.position < head) {
      const batch = await this.store.readRange(this.model.position + 1, head, PAGE);
      if (batch.length === 0) break;
      this.model.applyAll(batch);
      this.hash = batch[batch.length - 1]!.hash;
      if (batch.length === PAGE) await yieldToEventLoop();
    }
    // A start's decode buffers or fold of a long log (event rows, parsed JSON) are garbage now: returned
    // before serving (src/support/fullHeapCollection.ts). Not for short logs: a CLI command's start stays short.
    if (first && this.model.position - from >= GC_AFTER_FOLDING) collectHeapNow();
    if (this.model.position >= head) this.seenChange = change;
    return this.model;
  }

  /**
   * True when the store's change counter is what it was just before the last
   * catch-up read the head: nothing was committed since, by this process or
   * any other, so the model is at the head without asking for it.
   */
  private unchangedSinceCatchUp(): boolean {
    return this.seenChange !== null && this.readChange() === this.seenChange;
  }

  /** The store's change counter; null without one, or when it cannot be read (the catch-up then asks the store and reports why). */
  private readChange(): number | null {
    if (!this.store.changeCounter) return null;
    try { return this.store.changeCounter(); } catch { return null; }
  }

  /** True when `at(asOf)` costs no fold: the head, or a position kept from an earlier request. */
  isCheap(asOf: number | null | undefined): boolean {
    return asOf === undefined || asOf === null || asOf >= this.model.position || this.historic.has(asOf);
  }

  /** The model as of a log position (null/undefined: the head). */
  async at(asOf?: number | null): Promise<ReadModel> {
    if (asOf === undefined || asOf === null) return this.current();
    if (!Number.isInteger(asOf) || asOf < 0) throw badInput(`asOf must be a log position >= 0, got ${asOf}`);
    const head = this.unchangedSinceCatchUp() ? this.model.position : await this.store.head();
    if (asOf > head) throw badInput(`asOf ${asOf} is beyond the head of the log (${head})`);
    if (asOf === head) return this.current();
    let p = this.historic.get(asOf);
    if (!p) {
      // One historic fold at a time: each holds a whole model in memory while it runs.
      p = this.folding.then(() => this.fold(asOf));
      this.folding = p.then(() => undefined, () => undefined);
      this.historic.set(asOf, p);
      p.catch(() => this.historic.delete(asOf));
      while (this.historic.size > this.keepHistoric) this.historic.delete(this.historic.keys().next().value as number);
    }
    return p;
  }

  private async fold(to: number): Promise<ReadModel> {
    const m = new ReadModel();
    while (m.position < to) {
      const batch = await this.store.readRange(m.position + 1, to, PAGE);
      if (batch.length === 0) break;
      m.applyAll(batch);
      await yieldToEventLoop();
    }
    return m;
  }
}
