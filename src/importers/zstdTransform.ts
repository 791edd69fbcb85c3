/**
 * Streaming zstd decompression (Node 20 zlib has none; docs/domain.md §6,
 * Layer compression): fzstd's Decompress behind a Transform.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { Decompress } from 'fzstd';

export class ZstdDecompress extends Transform {
  private readonly z: Decompress;
  private sawInput = false;

  constructor() {
    super();
    // fzstd may hand out views of its window buffer: copy before pushing.
    this.z = new Decompress((chunk) => {
      if (chunk.length > 0) this.push(Buffer.from(chunk));
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (chunk.length > 0) this.sawInput = true;
      this.z.push(chunk, false);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (!this.sawInput) throw new Error('empty stream');
      this.z.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }
}
