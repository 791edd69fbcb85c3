/**
 * Layer scans in worker threads (issue 19 item 2). A scan (inflate, DiffID,
 * tar parsing, per-file hashes, the entry list: src/importers/layerScan.ts) is
 * CPU work independent of every other layer until the images are assembled, so
 * it runs in a worker while the main thread keeps the archive walk (and, for a
 * streamed archive, the blob hash and the writes; a layer in an archive file
 * is read, hashed and stored by the first free thread that claims it:
 * scanRangeOffThread, sharedRanges.ts). `scanLayerOffThread` has scanLayer's contract: same
 * result, same errors (a DomainError crosses the thread with its code and
 * details, so a cap met in a worker still ends the whole import), the import's
 * budget charged atomically from every thread (limits.ts).
 *
 * Bounded: `scanThreads()` workers (MAX_SCANS: one per core, at least 2),
 * each running one scan at a time (a scan is synchronous in its worker,
 * inflate included: scanWorker.ts), each scan with at most `IN_FLIGHT_BYTES`
 * sent and not yet taken. The main thread's share (the archive walk, blob
 * hashes and writes) is the smaller one, so it shares a core with them. An
 * idle worker is unreferenced (it never keeps the process alive) and ends
 * after `IDLE_MS`, or at once when an import has scanned every layer, so its
 * memory is back before the images are recorded (peak RSS, bench/RESULTS.md).
 * A scan whose source fails is cancelled in its worker; a worker that crashes,
 * or does not stop a cancelled scan within `ABORT_GRACE_MS`, is terminated and
 * its scans fail.
 *
 * Which file a worker runs (docs/adr/0010-compiled-at-install.md): compiled
 * (dist/), this module is `.js` and the worker is its sibling `scanWorker.js`;
 * from the sources (tsx, Jest) it is `scanWorker.ts` loaded through tsx's
 * require hook. Under Jest scans stay in the test's thread (coverage, mutants)
 * unless STRATA_SCAN_THREADS asks for workers; STRATA_SCAN_THREADS=0 keeps
 * them in-thread anywhere.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DomainError } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { scanLayer, type LayerScan } from './layerScan';
import type { Budget } from './limits';
import { MAX_SCANS } from './scanFeed';
import { scanRange, type RangeRequest, type RangeResult } from './rangeScan';
import { SharedRanges, type RangeScanning } from './sharedRanges';
import { ACK_BYTES, type FromScanner, type SentError, type ToScanner } from './scanProtocol';

export type { RangeScanning } from './sharedRanges';

/** Bytes sent to one scan and not yet acknowledged (a few of its acknowledgement batches). */
export const IN_FLIGHT_BYTES = 4 * ACK_BYTES;
/**
 * The same while the scan's worker has not acknowledged anything yet (it is
 * starting: loading its modules): its inbox fills, so it starts with work queued
 * and this thread is free meanwhile (whileScanThreadStarts). Memory: these bytes
 * leave the reader's queue (scanFeed.ts) as they are sent.
 */
export const STARTING_IN_FLIGHT_BYTES = 4 << 20;
/** Bytes per message to a worker (small chunks are gathered, large ones cut). */
const SEND_BYTES = 64 << 10;
/** Message buffers kept for reuse per worker: what one scan has in flight, and some. */
const FREE_BUFFERS = 16;
/**
 * An idle worker ends after this long. Imports and pulls end their idle workers
 * as soon as every layer is scanned (endIdleScanThreads), so the memory is back
 * before the images are recorded; between two layers of a pull (a request, a
 * loaded machine) a worker must outlive the gap, or it is started again.
 */
const IDLE_MS = 2000;
/**
 * A small young generation: each worker's garbage (headers, names, entries; its chunk and
 * inflate buffers are reused) is collected often instead of piling up in three isolates at
 * once (bench/RESULTS.md).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };
const COMPILED = __filename.endsWith('.js');

/** How many worker threads scan layers: 0 means in the calling thread. */
export function scanThreads(): number {
  const env = process.env['STRATA_SCAN_THREADS'];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0) return Math.min(n, 16);
  }
  if (!COMPILED && process.env['JEST_WORKER_ID'] !== undefined) return 0;
  // One scan per worker: a worker's scan is synchronous (inflate included), so two in one worker
  // would take turns. The main thread's share (the archive walk, blob hashes and writes) is the smaller one.
  return MAX_SCANS;
}

/** Scans one worker holds at once: one by default; with fewer workers (STRATA_SCAN_THREADS) they take turns, message by message. */
const scansPerThread = (threads: number): number => Math.max(1, Math.ceil(MAX_SCANS / threads));

/** How long a cancelled scan may take to stop before its worker is terminated. */
const ABORT_GRACE_MS = 10_000;

function spawnWorker(): Worker {
  if (COMPILED) return new Worker(join(__dirname, 'scanWorker.js'), { resourceLimits: WORKER_LIMITS });
  const tsx = require.resolve('tsx/cjs');
  const entry = join(__dirname, 'scanWorker.ts');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true, resourceLimits: WORKER_LIMITS });
}

/** Buffers cross threads as Uint8Arrays. */
const asBuffer = (c: Uint8Array): Buffer => Buffer.from(c.buffer, c.byteOffset, c.length);

const errorFrom = (e: SentError): Error =>
  e.domain && e.code ? new DomainError(e.code, e.message, e.details ?? undefined) : new Error(e.message);

interface Running { message(m: FromScanner): void; crash(e: Error): void }

/** Scan ids, one space for every worker (an offered range has the same id on each: sharedRanges.ts). */
let lastScanId = 0;

/** One worker; runs up to its pool's `perThread` scans at once. */
class ScanThread {
  readonly worker = spawnWorker();
  private readonly running = new Map<number, Running>();
  /** Scans holding a place on this worker (a cancelled one gives its place back at once). */
  active = 0;
  broken = false;
  /** Whether the worker has acknowledged bytes yet (it has started). */
  started = false;
  idleTimer: NodeJS.Timeout | null = null;
  /** Message buffers the worker handed back (at most FREE_BUFFERS). */
  private readonly free: ArrayBuffer[] = [];
  /** Offered ranges asked to stop, by id: the worker is terminated if one does not stop in time. */
  private readonly offerGrace = new Map<number, NodeJS.Timeout>();

  constructor() {
    this.worker.on('message', (m: FromScanner) => this.running.get(m.id)?.message(m));
    const stopped = (e: Error) => {
      this.broken = true;
      const all = [...this.running.values()];
      this.running.clear();
      for (const r of all) r.crash(e);
    };
    this.worker.on('error', (e) => stopped(e));
    this.worker.on('exit', (code) => stopped(new Error(`layer scan thread exited (code ${code})`)));
  }

  /** A buffer of SEND_BYTES to fill: one the worker handed back, or a new one. */
  private buffer(): Uint8Array {
    const b = this.free.pop();
    return b ? new Uint8Array(b) : Buffer.allocUnsafeSlow(SEND_BYTES);
  }

  /** Scans the worker has not reported ended (a cancelled one until it stops). */
  get unfinished(): number { return this.running.size; }

  terminate(): void {
    this.broken = true;
    void this.worker.terminate();
  }

  async run(src: AsyncIterable<Buffer>, budget: Budget, what: string, blobDigest?: () => string): Promise<LayerScan> {
    const id = ++lastScanId;
    startedOffThread += 1;
    let inFlight = 0;
    let finished = false;
    let wakeSender: (() => void) | null = null;
    const wake = () => { const w = wakeSender; wakeSender = null; w?.(); };
    let resolve!: (s: LayerScan) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<LayerScan>((res, rej) => { resolve = res; reject = rej; });
    const settle = (f: () => void) => { if (finished) return; finished = true; f(); wake(); };
    let grace: NodeJS.Timeout | null = null;
    this.running.set(id, {
      message: (m) => {
        if (m.type === 'ack') {
          this.started = true;
          inFlight -= m.bytes;
          for (const b of m.free) if (b.byteLength === SEND_BYTES && this.free.length < FREE_BUFFERS) this.free.push(b);
          wake();
          return;
        }
        this.running.delete(id);
        if (grace) clearTimeout(grace);
        if (m.type === 'failed') settle(() => reject(errorFrom(m.error)));
        else if (m.type === 'done') settle(() => resolve(m.scan));
      },
      crash: (e) => { if (grace) clearTimeout(grace); settle(() => reject(e)); },
    });
    const post = (m: ToScanner) => this.worker.postMessage(m);
    post({ type: 'scan', id, what, budget: budget.share(), hashBlob: !blobDigest });
    // Chunks go out in batches of SEND_BYTES (a socket's chunks are often 16 KiB: a message each
    // cost more than the bytes), copied once into a buffer that is handed over, not cloned, and
    // handed back when the scan is done with it (gzip), to be filled again.
    let batch: Uint8Array | null = null;
    let used = 0;
    const cap = () => (this.started ? IN_FLIGHT_BYTES : STARTING_IN_FLIGHT_BYTES);
    const room = async (n: number): Promise<void> => {
      while (!finished && inFlight > 0 && inFlight + n > cap()) {
        // Waiting on a worker that is starting: this thread has nothing else to do.
        if (!this.started) runWhileThreadsStart();
        await new Promise<void>((r) => { wakeSender = r; });
      }
    };
    const send = async (bytes: Uint8Array): Promise<void> => {
      await room(bytes.length);
      if (finished) return;
      inFlight += bytes.length;
      this.worker.postMessage({ type: 'chunk', id, data: bytes } satisfies ToScanner, [bytes.buffer as ArrayBuffer]);
    };
    const pump = async (): Promise<void> => {
      for await (const c of src) {
        if (finished) break;
        let off = 0;
        while (off < c.length && !finished) {
          batch ??= this.buffer();
          const n = Math.min(SEND_BYTES - used, c.length - off);
          batch.set(c.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === SEND_BYTES) { const full = batch; batch = null; used = 0; await send(full); }
        }
        if (finished) break;
      }
      if (!finished && batch && used > 0) await send(batch.subarray(0, used));
      if (!finished) post({ type: 'end', id });
    };
    const pumping = pump().catch((e: unknown) => {
      // The bytes will not come: the scan is cancelled in the worker (which goes on with its
      // other scans); a worker that does not stop it in time is terminated.
      settle(() => reject(asArchiveError(e, what)));
      if (!this.running.has(id) || this.broken) return;
      post({ type: 'abort', id, reason: e instanceof Error ? e.message : String(e) });
      grace = setTimeout(() => this.terminate(), ABORT_GRACE_MS);
      grace.unref();
    });
    try {
      const scan = await result;
      const digest = blobDigest?.();
      return received({ ...scan, digest: digest ?? scan.digest, diffId: scan.diffId || digest || scan.diffId });
    } finally {
      await pumping;
    }
  }

  /**
   * A layer offered to this worker and to the sender's thread (sharedRanges.ts): settles only if the
   * worker claims it (counted then), or when the worker crashes.
   */
  offerRange(id: number, req: RangeRequest, budget: Budget, what: string, claim: Int32Array, claimAs: number): Promise<RangeResult> {
    return new Promise<RangeResult>((resolve, reject) => {
      const settle = (f: () => void) => {
        if (this.offerGrace.has(id)) clearTimeout(this.offerGrace.get(id));
        this.offerGrace.delete(id);
        this.running.delete(id);
        f();
      };
      this.running.set(id, {
        message: (m) => {
          if (m.type === 'rangeDone') {
            startedOffThread += 1;
            settle(() => resolve({ digest: m.digest, size: m.size, scan: m.scan ? received(m.scan) : null,
              error: m.error ? errorFrom(m.error) as DomainError : null }));
          } else if (m.type === 'failed') {
            startedOffThread += 1;
            settle(() => reject(errorFrom(m.error)));
          }
        },
        crash: (e) => settle(() => reject(e)),
      });
      this.worker.postMessage({ type: 'offerRange', id, what, budget: budget.share(), range: req, claim, claimAs } satisfies ToScanner);
    });
  }

  /** An offer the worker skips (another thread claimed it, or it was withdrawn): no message comes for it. */
  forget(id: number): void {
    this.running.delete(id);
  }

  /** Stops an offered range the worker claimed; a worker that does not stop it in time is terminated. */
  abort(id: number, reason: string): void {
    if (!this.running.has(id) || this.broken || this.offerGrace.has(id)) return;
    this.worker.postMessage({ type: 'abort', id, reason } satisfies ToScanner);
    const grace = setTimeout(() => this.terminate(), ABORT_GRACE_MS);
    grace.unref();
    this.offerGrace.set(id, grace);
  }
}

/** A scan as it crosses threads: its buffers arrive as Uint8Arrays. */
function received(scan: LayerScan): LayerScan {
  return {
    ...scan,
    keptFiles: scan.keptFiles.map(({ path, content: c }) => ({ path, content: asBuffer(c) })),
    ...(scan.entriesBody ? { entriesBody: asBuffer(scan.entriesBody) } : {}),
  };
}

class ScanPool {
  private readonly threads = new Set<ScanThread>();
  private waiters: (() => void)[] = [];

  async acquire(max: number): Promise<ScanThread> {
    const perThread = scansPerThread(max);
    for (;;) {
      let best: ScanThread | null = null;
      for (const t of this.threads) if (!t.broken && t.active < perThread && (!best || t.active < best.active)) best = t;
      if (!best && this.threads.size < max) {
        best = new ScanThread();
        this.threads.add(best);
      }
      if (best) {
        this.hold(best);
        return best;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /**
   * `n` distinct workers, started if need be, each held once (shared range scans offer every layer to
   * each of them: sharedRanges.ts). A worker's own scans take turns message by message.
   */
  acquireEach(n: number): ScanThread[] {
    const got: ScanThread[] = [];
    for (const t of this.threads) if (!t.broken && got.length < n) got.push(t);
    while (got.length < n) {
      const t = new ScanThread();
      this.threads.add(t);
      got.push(t);
    }
    for (const t of got) this.hold(t);
    return got;
  }

  /** A worker started ahead of its first scan (prestartScanThread): idle until then. */
  prestart(): void {
    if (this.threads.size > 0) return;
    const t = new ScanThread();
    this.threads.add(t);
    this.hold(t);
    this.release(t);
  }

  private hold(t: ScanThread): void {
    if (t.idleTimer) clearTimeout(t.idleTimer);
    t.idleTimer = null;
    if (t.active++ === 0) t.worker.ref();
  }

  release(t: ScanThread): void {
    t.active -= 1;
    if (t.broken) {
      if (t.active === 0) this.drop(t);
    } else if (t.active === 0) {
      // Idle: never keeps the process alive, and ends soon.
      t.worker.unref();
      t.idleTimer = setTimeout(() => this.drop(t), IDLE_MS);
      t.idleTimer.unref();
    }
    this.waiters.shift()?.();
  }

  private drop(t: ScanThread): void {
    if (t.idleTimer) clearTimeout(t.idleTimer);
    t.idleTimer = null;
    this.threads.delete(t);
    t.terminate();
  }

  /** Workers alive (busy or idle). */
  get size(): number { return this.threads.size; }

  get unfinished(): number { return [...this.threads].reduce((n, t) => n + t.unfinished, 0); }

  /** Ends every idle worker now (tests, shutdown); busy ones end when idle. */
  async shutdown(): Promise<void> {
    const idle = [...this.threads].filter((t) => t.active === 0);
    for (const t of idle) { if (t.idleTimer) clearTimeout(t.idleTimer); this.threads.delete(t); t.broken = true; }
    await Promise.all(idle.map((t) => t.worker.terminate()));
  }
}

let startedOffThread = 0;
const pool = new ScanPool();

let whileThreadsStart: (() => void) | null = null;

/**
 * Runs `task` once, on this thread, the first time a scan waits on a worker that
 * is still starting (its inbox holds STARTING_IN_FLIGHT_BYTES): until that worker
 * has loaded its modules and worked through them, this thread only waits, so
 * synchronous work done then (loading modules) is off the import's critical path.
 * For range scans: the first time this thread looks while a worker scans a layer it claimed.
 * `null` drops a task not yet run (no worker started: scans in-thread, or few bytes).
 */
export function whileScanThreadStarts(task: (() => void) | null): void {
  whileThreadsStart = task;
}

function runWhileThreadsStart(): void {
  const task = whileThreadsStart;
  whileThreadsStart = null;
  task?.();
}

/** Scans started in worker threads since the process started (tests check which path ran). */
export const scansStartedOffThread = (): number => startedOffThread;

let rangesStarted = 0;
let rangesHere = 0;
/** Range scans offered to the workers (and to this thread, rangesHere): made for the arrangement asked for. */
let shared: SharedRanges | null = null;

function sharedRanges(threads: number): SharedRanges {
  // With one worker asked for (STRATA_SCAN_THREADS=1), it scans every range.
  const here = threads > 1 ? rangesHere : 0;
  const workers = threads - here;
  if (shared?.here !== here || shared.workers !== workers) {
    shared = new SharedRanges(here, workers, {
      acquire: (n) => pool.acquireEach(n),
      release: (taken) => { for (const t of taken) pool.release(t as ScanThread); },
      nextId: () => ++lastScanId,
      workerBusy: runWhileThreadsStart,
    });
  }
  return shared;
}

/**
 * How many of the scan threads' range scans (scanRangeOffThread) run in this thread instead, a
 * step per turn of its event loop: a process that does nothing else while it imports (the CLI)
 * starts one worker isolate fewer (its start, compiled code and heap: bench/RESULTS.md). Each
 * layer is then offered to this thread and the workers alike, and taken by the first that is free
 * (sharedRanges.ts). 0 by default: a server's event loop is not held by a scan.
 */
export function scanRangesInThisThread(n: number): void {
  rangesHere = n;
}

/**
 * Range scans an archive may have under way or offered at once: two per scanning thread, so a
 * thread that ends a layer finds the next one offered already (sharedRanges.ts).
 */
export function rangeScansAhead(): number {
  const threads = scanThreads();
  return threads > 0 ? 2 * threads : MAX_SCANS;
}

/**
 * Starts a scan worker now, ahead of its first layer (the CLI, before it opens the archive): its
 * start overlaps this thread's. Idle, it ends after IDLE_MS as any idle worker does.
 */
export function prestartScanThread(): void {
  if (scanThreads() > 0) pool.prestart();
}
/** Layers scanned where they lie in an archive file since the process started (tests check which path ran). */
export const rangeScansStarted = (): number => rangesStarted;

/** Workers alive now (for tests: none may be left busy after an import ends). */
export const scanThreadsAlive = (): number => pool.size;
/** Scans some worker still runs (a cancelled scan counts until its worker has stopped it). */
export const scansUnfinishedOffThread = (): number => pool.unfinished;
export const endIdleScanThreads = (): Promise<void> => pool.shutdown();

/**
 * scanLayer's contract, run in a worker thread when there are any (scanThreads()).
 * `blobDigest`: the caller hashes exactly the bytes of `src` (see scanLayer);
 * without it the worker hashes the blob.
 */
export async function scanLayerOffThread(src: AsyncIterable<Buffer>, budget: Budget, what: string,
  blobDigest?: () => string): Promise<LayerScan> {
  const max = scanThreads();
  if (max === 0) return scanLayer(src, budget, what, blobDigest);
  const t = await pool.acquire(max);
  try {
    return await t.run(src, budget, what, blobDigest);
  } finally {
    pool.release(t);
  }
}

/**
 * A layer read from its place in the archive file and scanned (rangeScan.ts), in a worker
 * thread when there are any (scanThreads()), else in this thread a step per turn of the event loop.
 * The result is the blob's digest and size and its scan, or the defect the scan met; a cap met,
 * a blob store failure, or an abort rejects.
 */
export function scanRangeOffThread(req: RangeRequest, budget: Budget, what: string): RangeScanning {
  rangesStarted += 1;
  const threads = scanThreads();
  if (threads === 0) {
    let stop: Error | null = null;
    return { result: scanRange(budget, req, what, () => stop), abort: (e) => { stop ??= e; } };
  }
  return sharedRanges(threads).offer(req, budget, what);
}
