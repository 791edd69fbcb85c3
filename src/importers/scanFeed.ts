/**
 * Layer scans that run behind the archive reader (issue 19 item 2). A tar is
 * read in one pass, but its layers are independent until the images are
 * assembled: while layer N is still being inflated (zlib runs on libuv's
 * thread pool) and hashed, the reader moves on to layer N+1, so inflate uses
 * more than one core. Memory stays bounded: at most `MAX_SCANS` scans run at
 * once and the compressed bytes queued for them share one `ByteGate`.
 */
import { availableParallelism } from 'node:os';

/**
 * Queued compressed bytes across all scans: enough that the reader moves on to
 * the next layer while the last one drains (the bench image's layers are 11-14 MB;
 * scans in worker threads drain faster than the reader reads, bench/RESULTS.md).
 */
export const QUEUED_BYTES_LIMIT = 8 << 20;
/** Scans in flight: one per core (zlib's thread pool has 4 threads), at least 2 so reading overlaps scanning. */
export const MAX_SCANS = Math.min(4, Math.max(2, availableParallelism()));

/** A counting limit that callers wait on. */
export class ByteGate {
  private used = 0;
  private waiters: (() => void)[] = [];
  constructor(readonly limit: number) {}

  get inUse(): number { return this.used; }

  /** Waits until `n` more bytes fit (a single chunk larger than the limit passes alone). */
  async acquire(n: number): Promise<void> {
    while (this.used > 0 && this.used + n > this.limit) await new Promise<void>((r) => this.waiters.push(r));
    this.used += n;
  }

  release(n: number): void {
    this.used -= n;
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }
}

/** At most `max` holders at a time. */
export class Slots {
  private busy = 0;
  private waiters: (() => void)[] = [];
  constructor(readonly max: number) {}

  async acquire(): Promise<() => void> {
    while (this.busy >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    this.busy += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy -= 1;
      this.waiters.shift()?.();
    };
  }
}

/**
 * The bytes of one layer entry, pushed by the archive reader and pulled by its
 * scan. `push` waits while the gate is full; once the scan stops (finished,
 * failed, or `abort`ed) pushes are dropped so the reader can go on hashing the
 * rest of the entry without queueing it.
 */
export class LayerFeed implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private closed = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly gate: ByteGate) {}

  async push(chunk: Buffer): Promise<void> {
    if (this.closed) return;
    await this.gate.acquire(chunk.length);
    if (this.closed) { this.gate.release(chunk.length); return; }
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.signal();
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  /** The reader failed: the scan ends with `e` instead of waiting for bytes that will not come. */
  abort(e: Error): void {
    if (this.ended || this.closed) return;
    this.failure = e;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Drops what is queued and accepts nothing more (the consumer is gone). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.gate.release(this.queued);
    this.queued = 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const c = this.queue.shift();
        if (c) {
          this.queued -= c.length;
          this.gate.release(c.length);
          yield c;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((r) => { this.wake = r; });
      }
    } finally {
      this.close();
    }
  }
}
