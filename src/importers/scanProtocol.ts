/** Messages between a layer scan's sender and its worker thread (scanPool.ts, scanWorker.ts). */
import type { ErrorCode } from '../domain/errors';
import type { LayerScan } from './layerScan';
import type { BudgetShare } from './limits';
import type { RangeRequest } from './rangeScan';

/** The worker acknowledges taken bytes in batches of this many (and whenever it runs out). */
export const ACK_BYTES = 128 << 10;

/** An error as it crosses threads: a DomainError keeps its code and details (a cap's `global` flag). */
export interface SentError { domain: boolean; code: ErrorCode | null; message: string; details: Record<string, unknown> | null }

export type ToScanner =
  | { type: 'scan'; id: number; what: string; budget: BudgetShare; hashBlob: boolean }
  /**
   * A layer the worker reads from the archive file itself (rangeScan.ts; no chunks follow), offered:
   * the worker scans it only if it claims it first (`claim` from UNCLAIMED to `claimAs`, its own
   * mark) when it is free; another worker or the sender's thread may claim it instead (sharedRanges.ts).
   */
  | { type: 'offerRange'; id: number; what: string; budget: BudgetShare; range: RangeRequest; claim: Int32Array; claimAs: number }
  | { type: 'chunk'; id: number; data: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'abort'; id: number; reason: string };

/** An offered range's claim cell (an Int32Array of one over a SharedArrayBuffer): who scans it. */
export const UNCLAIMED = 0;
/** Withdrawn before anyone claimed it (the import failed): nobody scans it. */
export const WITHDRAWN = 1;
export const CLAIMED_HERE = 2;
/** The mark of the `n`th worker an offer went to (0-based). */
export const claimedByWorker = (n: number): number => 3 + n;

export type FromScanner =
  /** `free`: chunk buffers the scan has done with, handed back to be filled again (gzip layers: bench/RESULTS.md). */
  | { type: 'ack'; id: number; bytes: number; free: ArrayBuffer[] }
  | { type: 'done'; id: number; scan: LayerScan }
  /** A range scan's end: the blob's digest and size, and its scan or the defect it met. */
  | { type: 'rangeDone'; id: number; digest: string; size: number; scan: LayerScan | null; error: SentError | null }
  | { type: 'failed'; id: number; error: SentError };
