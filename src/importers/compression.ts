/**
 * Layer compression, detected from magic bytes rather than the media type
 * (docs/domain.md §6): gzip `1f 8b` (eStargz is gzip-compatible), zstd
 * `28 b5 2f fd`, anything else is read as a plain tar.
 */
import { PassThrough, type Transform, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { ZstdDecompress } from './zstdTransform';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Bytes needed to decide. */
export const MAGIC_BYTES = 4;

export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * 256 KiB output chunks and a 1 MiB read-ahead let inflate run on the thread
 * pool while the main thread parses the previous chunk (bench/RESULTS.md).
 * Stream options pass through zlib to its Transform; ZlibOptions omits them.
 */
const GUNZIP_OPTIONS: ZlibOptions & TransformOptions = { chunkSize: 256 * 1024, readableHighWaterMark: 1 << 20 };

/** A Transform that decompresses (or passes through) the given compression. */
export function decompressor(c: Compression): Transform {
  if (c === 'gzip') return createGunzip(GUNZIP_OPTIONS);
  if (c === 'zstd') return new ZstdDecompress();
  return new PassThrough();
}
