/**
 * Streaming zstd decompression (Node 20 zlib has none; docs/domain.md §6,
 * Layer compression): fzstd's Decompress, synchronous (ZstdInflater: layer
 * scans drive it chunk by chunk, layerScan.ts) and behind a Transform.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';

/**
 * fzstd fed chunk by chunk: `onOutput` gets copies (fzstd may hand out views of
 * its window). An error `onOutput` throws is thrown as it is, after fzstd's call
 * returns (it is not fzstd's error, and comes first: it is earlier in the data).
 */
export class ZstdInflater {
  private readonly z: Decompress;
  private sawInput = false;
  private failed: { error: unknown } | null = null;

  constructor(onOutput: (chunk: Buffer) => void) {
    this.z = new Decompress((chunk) => {
      if (chunk.length === 0 || this.failed) return;
      try { onOutput(Buffer.from(chunk)); } catch (e) { this.failed = { error: e }; }
    });
  }

  write(chunk: Uint8Array): void {
    if (chunk.length > 0) this.sawInput = true;
    this.run(chunk, false);
  }

  /** The input has ended: throws if it stopped inside a frame, or was empty. */
  end(): void {
    if (!this.sawInput) throw new Error('zstd: empty stream');
    this.run(new Uint8Array(0), true);
  }

  private run(chunk: Uint8Array, final: boolean): void {
    try {
      this.z.push(chunk, final);
    } catch (e) {
      if (!this.failed) throw new Error(`zstd: ${(e as Error).message}`);
    }
    if (this.failed) throw this.failed.error;
  }
}

export class ZstdDecompress extends Transform {
  private readonly z = new ZstdInflater((c) => { this.push(c); });

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.z.write(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.z.end();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
