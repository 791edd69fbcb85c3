/**
 * Writing a tar as a stream into any Writable (a file, gzip, an HTTP body):
 * entries one after another, file data streamed from a source whose length
 * is known up front (tar headers carry the size), backpressure respected, so
 * an archive of any size passes through a constant amount of memory.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from './header';

export class TarStreamWriter {
  private bytes = 0;

  constructor(private readonly out: Writable) {}

  private async push(chunk: Buffer | Uint8Array): Promise<void> {
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) {
      // 'error' rejects the wait; 'drain' resolves it.
      await once(this.out, 'drain');
    }
  }

  /** One entry; `data` must yield exactly `header.size` bytes for a file. */
  async entry(header: TarHeader, data?: AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    await this.push(encodeHeader(header));
    if (header.type !== 'file') return;
    const size = header.size ?? 0;
    let n = 0;
    if (data instanceof Uint8Array) {
      n = data.length;
      if (n) await this.push(data);
    } else if (data) {
      for await (const c of data) { n += c.length; if (n > size) break; await this.push(c); }
    }
    if (n !== size) throw new Error(`tar entry ${header.name}: expected ${size} bytes, got ${n}${n > size ? '+' : ''}`);
    const pad = padding(size);
    if (pad.length) await this.push(pad);
  }

  /** Ends the archive (two zero blocks); does not end `out`. */
  async finish(): Promise<number> {
    await this.push(END_OF_ARCHIVE);
    return this.bytes;
  }
}
