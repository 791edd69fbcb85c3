/**
 * The worker-thread side of layer scans (src/importers/scanPool.ts). Scans are
 * named by an id: `scan` starts one, `chunk`s carry its blob's bytes, `end`
 * closes the blob, `abort` ends the scan with an error (the sender's reader
 * failed). Each chunk is scanned when its message arrives, synchronously —
 * inflate, DiffID, tar parsing, file hashes (LayerScanner, the same code an
 * in-thread scan runs, so every check, cap and error is the same) — then
 * acknowledged in batches, so the sender keeps a bounded number of bytes in
 * flight; a chunk the scan no longer references (gzip: zlib copies what it
 * reads) goes back with the acknowledgement, to be filled again. The budget
 * is the import's, in shared memory. When the sender hashes the blob itself
 * (it writes it to the blob store, whose writer hashes), the worker does not
 * hash it again: its digest (and an uncompressed layer's DiffID) come back
 * empty and the sender fills them in.
 */
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { LayerScanner, type LayerScan } from './layerScan';
import { Budget } from './limits';
import { RangeScan } from './rangeScan';
import {
  ACK_BYTES, UNCLAIMED, type FromScanner, type SentError, type ToScanner,
} from './scanProtocol';

const port = parentPort;
if (!port) throw new Error('scanWorker runs as a worker thread');

const send = (m: FromScanner) => port.postMessage(m);

/** One scan: its chunks are scanned as they arrive, synchronously (LayerScanner), and acknowledged in batches. */
interface Scan { scanner: LayerScanner; what: string; hashBlob: boolean; unacked: number; free: ArrayBuffer[] }

const scans = new Map<number, Scan>();

function errorOf(e: unknown): SentError {
  if (e instanceof DomainError) return { domain: true, code: e.code, message: e.message, details: e.details ?? null };
  return { domain: false, code: null, message: e instanceof Error ? e.message : String(e), details: null };
}

function fail(id: number, s: Scan, e: unknown): void {
  scans.delete(id);
  s.scanner.close();
  send({ type: 'failed', id, error: errorOf(asArchiveError(e, s.what)) });
}

/** A scan's LayerScan posted with its entry list handed over, not cloned (a clone copies the buffer). */
function postScan(m: FromScanner & { scan: LayerScan | null }): void {
  const body = m.scan?.entriesBody ? new Uint8Array(m.scan.entriesBody) : null;
  const sent = body ? { ...m, scan: { ...m.scan!, entriesBody: body as Buffer } } : m;
  port!.postMessage(sent, body ? [body.buffer] : []);
}

async function finish(id: number, s: Scan): Promise<void> {
  try {
    s.scanner.end();
  } catch (e) {
    fail(id, s, e);
    return;
  }
  scans.delete(id);
  try {
    postScan({ type: 'done', id, scan: await s.scanner.result(s.hashBlob ? undefined : '') });
  } catch (e) {
    send({ type: 'failed', id, error: errorOf(asArchiveError(e, s.what)) });
  }
}

/**
 * Ranges offered to this worker, to the other workers and to the sender's thread alike
 * (sharedRanges.ts), in order: this worker scans one at a time (rangeScan.ts), a step per turn so an
 * abort and the other scans are heard between steps, and once it has read one to its end it claims
 * the first offer nobody has claimed, so it never waits on the sender for its next layer.
 */
const offers: Extract<ToScanner, { type: 'offerRange' }>[] = [];
let range: { id: number; scan: RangeScan; what: string; aborted: string | null } | null = null;

function takeOffer(): void {
  range = null;
  while (offers.length > 0) {
    const o = offers.shift()!;
    // Claimed by another thread, or withdrawn: not ours.
    if (Atomics.compareExchange(o.claim, 0, UNCLAIMED, o.claimAs) !== UNCLAIMED) continue;
    try {
      range = { id: o.id, scan: new RangeScan(Budget.fromShare(o.budget), o.range, o.what), what: o.what, aborted: null };
    } catch (e) {
      send({ type: 'failed', id: o.id, error: errorOf(asArchiveError(e, o.what)) });
      continue;
    }
    stepRange();
    return;
  }
}

function stepRange(): void {
  const r = range!;
  try {
    if (r.aborted !== null) throw new Error(r.aborted);
    if (!r.scan.step()) { setImmediate(stepRange); return; }
  } catch (e) {
    r.scan.close();
    send({ type: 'failed', id: r.id, error: errorOf(asArchiveError(e, r.what)) });
    takeOffer();
    return;
  }
  r.scan.finish().then((res) => {
    const error = res.error ? errorOf(res.error) : null;
    postScan({ type: 'rangeDone', id: r.id, digest: res.digest, size: res.size, scan: res.scan, error });
  }, (e: unknown) => send({ type: 'failed', id: r.id, error: errorOf(asArchiveError(e, r.what)) }));
  takeOffer();
}

port.on('message', (m: ToScanner) => {
  if (m.type === 'offerRange') {
    offers.push(m);
    if (!range) takeOffer();
    return;
  }
  if (m.type === 'abort' && range?.id === m.id) {
    range.aborted = m.reason;
    return;
  }
  if (m.type === 'scan') {
    const scanner = new LayerScanner(Budget.fromShare(m.budget), m.hashBlob);
    scans.set(m.id, { scanner, what: m.what, hashBlob: m.hashBlob, unacked: 0, free: [] });
    return;
  }
  // Bytes of a scan that already ended (it failed) are dropped.
  const s = scans.get(m.id);
  if (!s) return;
  if (m.type === 'chunk') {
    try {
      s.scanner.write(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    } catch (e) {
      fail(m.id, s, e);
      return;
    }
    // Acknowledged in batches (a message per chunk costs more than hashing it), and whenever
    // this thread runs out of messages, so the sender, which waits on acknowledgements, never waits on us.
    s.unacked += m.data.byteLength;
    // A chunk the scan no longer references goes back to the sender to be filled again (no allocation, no garbage).
    if (!s.scanner.keepsInput) s.free.push(m.data.buffer as ArrayBuffer);
    if (s.unacked >= ACK_BYTES) ack(m.id, s);
    else idleAck();
  } else if (m.type === 'end') {
    ack(m.id, s);
    void finish(m.id, s);
  } else {
    scans.delete(m.id);
    s.scanner.close();
    send({ type: 'failed', id: m.id, error: errorOf(asArchiveError(new Error(m.reason), s.what)) });
  }
});

function ack(id: number, s: Scan): void {
  if (s.unacked === 0) return;
  const free = s.free;
  s.free = [];
  port!.postMessage({ type: 'ack', id, bytes: s.unacked, free } satisfies FromScanner, free);
  s.unacked = 0;
}

/** Acknowledges what every scan has taken once the messages queued now are handled (setImmediate runs after them). */
let idleAckQueued = false;
function idleAck(): void {
  if (idleAckQueued) return;
  idleAckQueued = true;
  setImmediate(() => {
    idleAckQueued = false;
    for (const [id, s] of scans) ack(id, s);
  });
}
