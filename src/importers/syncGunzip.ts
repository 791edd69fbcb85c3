/**
 * Gzip decompression driven synchronously, chunk by chunk, on the calling
 * thread (issue 19 item 2). A layer scan runs in a worker thread already
 * (scanPool.ts); there, zlib's asynchronous stream cost more on the JS side —
 * a thread-pool hand-off and a callback per 256 KiB of output, the stream's
 * buffering and its garbage — than the inflate itself (bench/RESULTS.md,
 * "Import, fourth pass").
 *
 * It drives the engine of a `zlib.createGunzip()` exactly as Node drives it —
 * the same native handle, `writeSync` being what zlib's own `*Sync` functions
 * call, and the same loop as the stream's per-chunk callback — so every
 * outcome is the stream's: concatenated members (eStargz) inflate as one
 * stream; after the last member, NUL padding ends the output and anything
 * else is read as a further member (garbage fails with zlib's "incorrect header
 * check"); a stream that stops early fails with "unexpected end of file" when
 * it is ended; a bad CRC or length fails as zlib reports it. Output after the
 * end that NUL padding marked fails as the stream's `push()` after EOF did.
 * test/importers/syncGunzip.prop.test.ts compares it with the stream on
 * valid, padded, garbage-trailed, corrupt and truncated inputs in random chunks.
 */
import { constants, createGunzip, type Gunzip } from 'node:zlib';

/** Output buffers of this size (the stream used the same; bench/RESULTS.md). */
const OUT_BYTES = 256 * 1024;

/** The parts of zlib's engine that its own synchronous functions use (Node's lib/zlib.js). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  close(): void;
  onerror: (message: string, errno: number, code: string) => void;
}
interface ZlibEngine { _handle: ZlibHandle | null; _writeState: Uint32Array }

export class SyncGunzip {
  private readonly stream: Gunzip = createGunzip({ chunkSize: OUT_BYTES });
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;
  /** One output buffer, filled again for each piece of output: no garbage per 256 KiB. */
  private readonly out = Buffer.allocUnsafeSlow(OUT_BYTES);
  private outOff = 0;
  private error: Error | null = null;
  /** The engine stopped taking input before its end (NUL padding after the last member): the output has ended. */
  private outputEnded = false;

  /** `onOutput` gets every decompressed byte in order, in a buffer that is filled again after the call: it copies what it keeps. */
  constructor(private readonly onOutput: (chunk: Buffer) => void, private readonly onOutputEnd: () => void) {
    const engine = this.stream as unknown as ZlibEngine;
    if (!engine._handle || !engine._writeState) throw new Error('this Node.js has no synchronous zlib engine');
    this.handle = engine._handle;
    this.state = engine._writeState;
    // What zlib's stream makes of an engine error (its zlibOnError), caught here instead of destroying the stream.
    this.handle.onerror = (message, errno, code) => {
      this.error = Object.assign(new Error(message), { errno, code });
    };
  }

  write(chunk: Uint8Array): void { this.run(chunk, constants.Z_NO_FLUSH); }

  /** The input has ended: flushes, and throws if the stream stopped inside a member. */
  end(): void {
    this.run(Buffer.alloc(0), constants.Z_FINISH);
    this.close();
  }

  /** Frees the engine (idempotent). */
  close(): void {
    const engine = this.stream as unknown as ZlibEngine;
    if (!engine._handle) return;
    engine._handle.close();
    engine._handle = null;
  }

  private run(input: Uint8Array, flush: number): void {
    let inOff = 0;
    let availIn = input.byteLength;
    for (;;) {
      // The output space of each call is the stream's (the rest of its buffer), so each call reads and
      // writes what the stream's did: the same output before an error, the same end.
      const availOut = OUT_BYTES - this.outOff;
      this.handle.writeSync(flush, input, inOff, availIn, this.out, this.outOff, availOut);
      if (this.error) { const e = this.error; this.close(); throw e; }
      const availOutAfter = this.state[0]!;
      const availInAfter = this.state[1]!;
      const have = availOut - availOutAfter;
      if (have > 0) {
        if (this.outputEnded) {
          this.close();
          throw Object.assign(new Error('stream.push() after EOF'), { code: 'ERR_STREAM_PUSH_AFTER_EOF' });
        }
        const piece = this.out.subarray(this.outOff, this.outOff + have);
        this.outOff += have;
        this.onOutput(piece);
      }
      // Where the stream takes a new buffer, this one is filled again from its start.
      if (availOutAfter === 0 || this.outOff >= OUT_BYTES) this.outOff = 0;
      if (availOutAfter === 0) {
        // Not done: more output is waiting for room.
        inOff += availIn - availInAfter;
        availIn = availInAfter;
        continue;
      }
      if (availInAfter > 0 && !this.outputEnded) {
        // The engine left input unread with room to spare: it has ended (zlib's stream pushes its end here).
        this.outputEnded = true;
        this.onOutputEnd();
      }
      return;
    }
  }
}
