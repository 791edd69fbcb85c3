/**
 * Range scans (rangeScan.ts) shared between the scan workers and, in a process that does nothing
 * else while it imports (the CLI: scanRangesInThisThread), this thread. Each layer the walk finds
 * is offered to every one of them at once; a thread that is free claims the first offer nobody has
 * claimed (a compare-and-swap on the offer's cell in shared memory), so a worker moves on to its
 * next layer without waiting for this thread's event loop (which, in the CLI, turns only between
 * the steps of its own scan), and the threads end together instead of in the order layers were
 * handed out (bench/RESULTS.md, "Import, sixth pass"). Each offer is scanned once, by one thread;
 * the result, errors and caps are the range scan's wherever it runs.
 */
import type { Budget } from './limits';
import { RangeScan, type RangeRequest, type RangeResult } from './rangeScan';
import { CLAIMED_HERE, claimedByWorker, UNCLAIMED, WITHDRAWN } from './scanProtocol';

/**
 * Bytes a step of this thread's scan reads before its event loop turns (a worker's are
 * rangeScan.ts's STEP_BYTES): the archive walk runs on this thread, and each of its reads waits
 * for a turn, so with longer steps the walk fell behind the scans and the worker waited for its
 * next layer (bench/RESULTS.md, "Import, sixth pass").
 */
export const HERE_STEP_BYTES = 1 << 20;

/** A worker that ranges are offered to (scanPool.ts's ScanThread). */
export interface OfferThread {
  readonly broken: boolean;
  /**
   * Posts the offer; the worker claims it by writing `claimAs` in `claim`. Settles once the worker
   * has scanned it (or failed, or crashed); never if another thread claimed it or it was withdrawn.
   */
  offerRange(id: number, req: RangeRequest, budget: Budget, what: string, claim: Int32Array, claimAs: number): Promise<RangeResult>;
  /** Drops an offer the worker will not answer (settled elsewhere, withdrawn). */
  forget(id: number): void;
  /** Stops a range the worker claimed. */
  abort(id: number, reason: string): void;
}

/** What the shared ranges need of the worker pool (scanPool.ts). */
export interface OfferPool {
  /** `n` workers, held while offers are outstanding. */
  acquire(n: number): OfferThread[];
  release(threads: OfferThread[]): void;
  /** A scan id no other scan of these workers has. */
  nextId(): number;
  /**
   * Called on this thread (between its steps, or when it has none) while a worker scans a layer:
   * synchronous work done then is off the import's critical path.
   */
  workerBusy(): void;
}

interface Offer {
  id: number; req: RangeRequest; budget: Budget; what: string; claim: Int32Array;
  stop: Error | null; done: boolean; resolve(r: RangeResult): void; reject(e: unknown): void;
}

/** A range scan under way: its result, and how to cancel it (the archive walk failed). */
export interface RangeScanning { result: Promise<RangeResult>; abort(reason: Error): void }

export class SharedRanges {
  /** Offers this thread has not yet seen claimed, in the walk's order. */
  private readonly waiting: Offer[] = [];
  private busyHere = 0;
  private threads: OfferThread[] | null = null;
  /** Offers not yet settled. */
  private readonly outstanding = new Set<Offer>();

  /** `here`: ranges this thread scans at once (0: the workers scan them all); `workers`: how many workers are offered each. */
  constructor(readonly here: number, readonly workers: number, private readonly pool: OfferPool) {}

  offer(req: RangeRequest, budget: Budget, what: string): RangeScanning {
    let resolve!: (r: RangeResult) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<RangeResult>((res, rej) => { resolve = res; reject = rej; });
    const o: Offer = {
      id: this.pool.nextId(), req, budget, what, claim: new Int32Array(new SharedArrayBuffer(4)),
      stop: null, done: false, resolve, reject,
    };
    this.outstanding.add(o);
    this.waiting.push(o);
    this.threads ??= this.pool.acquire(this.workers);
    this.threads.forEach((t, n) => {
      if (t.broken) return;
      t.offerRange(o.id, req, budget, what, o.claim, claimedByWorker(n)).then((r) => this.settle(o, r), (e: unknown) => {
        // A range this worker claimed fails with it. One nobody had claimed when it crashed is left to
        // the others, and fails with it when no thread is left to scan it.
        const was = Atomics.load(o.claim, 0);
        if (was === claimedByWorker(n)) this.settle(o, null, e);
        else if (was === UNCLAIMED && this.here === 0 && this.threads!.every((x) => x.broken)) this.withdraw(o, e);
        else this.runHere();
      });
    });
    this.runHere();
    return { result, abort: (e) => this.abort(o, e) };
  }

  private abort(o: Offer, e: Error): void {
    o.stop ??= e;
    if (this.withdraw(o, e)) return;
    const n = Atomics.load(o.claim, 0) - claimedByWorker(0);
    if (n >= 0) this.threads?.[n]?.abort(o.id, e.message);
    // CLAIMED_HERE: its next step sees `stop`.
  }

  /** Settles an offer nobody has claimed with `e`; false if some thread had claimed it. */
  private withdraw(o: Offer, e: unknown): boolean {
    if (Atomics.compareExchange(o.claim, 0, UNCLAIMED, WITHDRAWN) !== UNCLAIMED) return false;
    this.settle(o, null, e);
    return true;
  }

  /** Claims offers nobody has claimed, while this thread has room. */
  private runHere(): void {
    while (this.busyHere < this.here && this.waiting.length > 0) {
      const o = this.waiting.shift()!;
      if (Atomics.compareExchange(o.claim, 0, UNCLAIMED, CLAIMED_HERE) !== UNCLAIMED) continue;
      this.forget(o);
      this.busyHere += 1;
      this.scanHere(o);
    }
    if (this.busyHere === 0) this.whileWorkerBusy();
  }

  private whileWorkerBusy(): void {
    for (const o of this.outstanding) {
      if (Atomics.load(o.claim, 0) >= claimedByWorker(0)) { this.pool.workerBusy(); return; }
    }
  }

  /** As scanRange (rangeScan.ts): a step per turn of the event loop; the next offer is claimed once the last step is read. */
  private scanHere(o: Offer): void {
    let scan: RangeScan;
    try {
      scan = new RangeScan(o.budget, o.req, o.what);
    } catch (e) {
      this.endHere(o, null, e);
      return;
    }
    const step = (): void => {
      try {
        if (o.stop) { scan.close(); throw o.stop; }
        if (!scan.step(HERE_STEP_BYTES)) {
          this.whileWorkerBusy();
          setImmediate(step);
          return;
        }
      } catch (e) {
        this.endHere(o, null, e);
        return;
      }
      const finished = scan.finish();
      this.endHere(o, finished, null);
    };
    step();
  }

  private endHere(o: Offer, finished: Promise<RangeResult> | null, error: unknown): void {
    this.busyHere -= 1;
    if (finished) finished.then((r) => this.settle(o, r), (e: unknown) => this.settle(o, null, e));
    else this.settle(o, null, error);
    this.runHere();
  }

  private forget(o: Offer): void {
    for (const t of this.threads ?? []) t.forget(o.id);
  }

  private settle(o: Offer, r: RangeResult | null, e?: unknown): void {
    if (o.done) return;
    o.done = true;
    // The workers that did not scan it skip it: none will answer.
    this.forget(o);
    if (r) o.resolve(r);
    else o.reject(e);
    this.outstanding.delete(o);
    if (this.outstanding.size === 0 && this.threads) {
      const threads = this.threads;
      this.threads = null;
      this.pool.release(threads);
    }
  }
}
