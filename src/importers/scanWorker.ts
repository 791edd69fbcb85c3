/**
 * The worker-thread side of layer scans (src/importers/scanPool.ts). A worker
 * runs several scans at once (their inflates on libuv's thread pool, their
 * parsing and hashing here), each named by an id: `scan` starts one, `chunk`s
 * carry its blob's bytes (acknowledged in batches once the scan has taken
 * them, so the sender keeps a bounded number in flight), `end` closes the
 * blob, `abort` ends the scan with an error (the sender's reader failed). The
 * scan is scanLayer itself, so every check, cap and error is the one an
 * in-thread scan makes; the budget is the import's, in shared memory. When the
 * sender hashes the blob itself (it writes it to the blob store, whose writer
 * hashes), the worker does not hash it again: its digest (and an uncompressed
 * layer's DiffID) come back empty and the sender fills them in.
 */
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../domain/errors';
import { scanLayer } from './layerScan';
import { Budget } from './limits';
import { ACK_BYTES, type FromScanner, type SentError, type ToScanner } from './scanProtocol';

const port = parentPort;
if (!port) throw new Error('scanWorker runs as a worker thread');

const send = (m: FromScanner) => port.postMessage(m);

/** The bytes of one scan, as the AsyncIterable scanLayer reads. */
class Inbox implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  constructor(private readonly id: number) {}

  push(c: Buffer): void { this.queue.push(c); this.signal(); }
  end(): void { this.ended = true; this.signal(); }
  abort(e: Error): void { this.failure = e; this.queue = []; this.signal(); }
  private signal(): void { const w = this.wake; this.wake = null; w?.(); }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    // Acknowledged in batches (a message per chunk costs more than hashing it), and
    // always before waiting, so the sender, which waits on acknowledgements, never waits on us.
    let unacked = 0;
    const ack = () => { if (unacked > 0) { send({ type: 'ack', id: this.id, bytes: unacked }); unacked = 0; } };
    for (;;) {
      if (this.failure) throw this.failure;
      const c = this.queue.shift();
      if (c) {
        unacked += c.length;
        if (unacked >= ACK_BYTES) ack();
        yield c;
        continue;
      }
      ack();
      if (this.ended) return;
      await new Promise<void>((r) => { this.wake = r; });
    }
  }
}

const scans = new Map<number, Inbox>();

function errorOf(e: unknown): SentError {
  if (e instanceof DomainError) return { domain: true, code: e.code, message: e.message, details: e.details ?? null };
  return { domain: false, code: null, message: e instanceof Error ? e.message : String(e), details: null };
}

port.on('message', (m: ToScanner) => {
  if (m.type === 'scan') {
    const inbox = new Inbox(m.id);
    scans.set(m.id, inbox);
    scanLayer(inbox, Budget.fromShare(m.budget), m.what, m.hashBlob ? undefined : () => '').then(
      (scan) => {
        // The stored entry list is handed over, not cloned (a clone copies the buffer).
        const body = scan.entriesBody ? new Uint8Array(scan.entriesBody) : null;
        const sent = body ? { ...scan, entriesBody: body as Buffer } : scan;
        port.postMessage({ type: 'done', id: m.id, scan: sent } satisfies FromScanner, body ? [body.buffer] : []);
      },
      (e: unknown) => send({ type: 'failed', id: m.id, error: errorOf(e) }),
    ).finally(() => scans.delete(m.id));
    return;
  }
  // Bytes of a scan that already ended (it failed, or stopped at the tar's end) are dropped.
  const inbox = scans.get(m.id);
  if (!inbox) return;
  if (m.type === 'chunk') inbox.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  else if (m.type === 'end') inbox.end();
  else inbox.abort(new Error(m.reason));
});
