/**
 * Resource caps of one import (docs/domain.md §6, Caps: JSON documents
 * 20 MiB, PAX/long-name headers 1 MiB, total uncompressed bytes and entry counts).
 */
import { invalidArchive } from '../domain/errors';

export const MAX_JSON_BYTES = 20 * 1024 * 1024;
export const MAX_LONG_HEADER_BYTES = 1024 * 1024;
/** Sum of all JSON-looking files kept in memory while streaming a tar. */
export const MAX_BUFFERED_JSON_BYTES = 256 * 1024 * 1024;
/** os-release files larger than this are not kept. */
export const MAX_KEPT_FILE_BYTES = 64 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 ** 3;
export const DEFAULT_MAX_ENTRIES = 5_000_000;

/** A cap as a whole number (a count is whole, so `count > 1.5` is `count > 1`). */
const capOf = (n: number): bigint => BigInt(Math.floor(Math.min(n, Number.MAX_SAFE_INTEGER)));

/** What a layer scan in a worker thread needs to charge the same budget (src/importers/scanPool.ts). */
export interface BudgetShare { counts: SharedArrayBuffer; maxBytes: number; maxEntries: number }

/**
 * Counts decompressed layer bytes and tar entries across a whole import. The
 * counts live in shared memory and are added atomically, so scans running in
 * worker threads charge the one budget and a cap is met exactly where it would
 * be met in one thread.
 */
export class Budget {
  private readonly counts: BigInt64Array;
  private readonly bytesCap: bigint;
  private readonly entriesCap: bigint;
  constructor(readonly maxBytes: number = DEFAULT_MAX_TOTAL_BYTES, readonly maxEntries: number = DEFAULT_MAX_ENTRIES,
    shared?: SharedArrayBuffer) {
    this.counts = new BigInt64Array(shared ?? new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT));
    this.bytesCap = capOf(maxBytes);
    this.entriesCap = capOf(maxEntries);
  }

  /** The same budget, charged from another thread. */
  static fromShare(s: BudgetShare): Budget {
    return new Budget(s.maxBytes, s.maxEntries, s.counts);
  }

  share(): BudgetShare {
    return { counts: this.counts.buffer as SharedArrayBuffer, maxBytes: this.maxBytes, maxEntries: this.maxEntries };
  }

  get bytes(): number { return Number(Atomics.load(this.counts, 0)); }
  get entries(): number { return Number(Atomics.load(this.counts, 1)); }

  addBytes(n: number): void {
    const b = BigInt(n);
    if (Atomics.add(this.counts, 0, b) + b > this.bytesCap) {
      throw invalidArchive(`archive exceeds the limit of ${this.maxBytes} uncompressed bytes`, { global: true });
    }
  }

  addEntry(): void {
    if (Atomics.add(this.counts, 1, 1n) + 1n > this.entriesCap) {
      throw invalidArchive(`archive exceeds the limit of ${this.maxEntries} tar entries`, { global: true });
    }
  }
}
