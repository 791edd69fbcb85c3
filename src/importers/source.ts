/**
 * Opens what `strata import` was given (contract cli.md: a docker-archive tar,
 * an OCI layout directory or tar, or `-` for standard input). A tar is read
 * in one streaming pass; a gzip- or zstd-compressed tar (`docker save | gzip`)
 * is decompressed on the way, detected by magic bytes.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { badInput, invalidArchive } from '../domain/errors';
import type { ArchiveFiles } from './archiveFiles';
import { ArchiveFile } from './archiveFile';
import { decompressor, MAGIC_BYTES, sniffCompression } from './compression';
import { DirArchive } from './dirArchive';
import { peek } from './peek';
import type { Budget } from './limits';
import { StreamArchive } from './streamArchive';
import type { ImportProgress } from './types';
import type { IngestSession } from '../blobs/blobStore';

export type Source = string | NodeJS.ReadableStream;

/** Reports progress at most every 4 MiB (and at the end). */
export function progressReporter(onProgress: ((p: ImportProgress) => void) | undefined, phase: string, bytesTotal: number | null) {
  let done = 0;
  let last = 0;
  return {
    add(n: number): void {
      done += n;
      if (onProgress && done - last >= 4 * 1024 * 1024) { last = done; onProgress({ bytesDone: done, bytesTotal, phase }); }
    },
    end(): void { onProgress?.({ bytesDone: done, bytesTotal: bytesTotal ?? done, phase }); },
  };
}

async function* counted(src: AsyncIterable<unknown>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = Buffer.isBuffer(c) ? c : typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array);
    add(b.length);
    yield b;
  }
}

const TAR_HEADER = 512;

/** JSON (an index.json or manifest.json given by mistake), not a tar: a tar header has "ustar" at byte 257. */
function looksLikeJson(head: Buffer): boolean {
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return false;
  const text = head.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('{') || text.startsWith('[');
}

export interface Opened { files: ArchiveFiles; describe: string; entryCount: number | null }

export async function openArchive(source: Source, budget: Budget, onProgress?: (p: ImportProgress) => void,
  blobs?: IngestSession): Promise<Opened> {
  let stream: AsyncIterable<unknown>;
  let total: number | null = null;
  let describe = 'standard input';
  /** A file can be read at any offset: its layers are read where they lie, by their scans (archiveFile.ts). */
  let file: ArchiveFile | null = null;
  let report: (n: number) => void = () => undefined;
  if (typeof source === 'string' && source !== '-') {
    let st;
    try {
      st = await fs.stat(source);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
      throw badInput(`cannot read "${source}": ${reason}`);
    }
    if (st.isDirectory()) {
      const p = progressReporter(onProgress, 'reading blobs', null);
      return { files: new DirArchive(source, budget, (n) => p.add(n), blobs), describe: `directory ${source}`, entryCount: null };
    }
    if (st.isFile()) {
      // The file counts its own progress: a layer's bytes when its scan has read them (archiveFile.ts).
      file = new ArchiveFile(resolve(source), st.size, (n) => report(n));
      stream = file.chunks();
      total = st.size;
    } else {
      // A pipe by name (`strata import <(docker save app)`, /dev/stdin) cannot be read at an offset: read in order.
      // 256 KiB reads: a quarter as many reads and messages to the scan threads as the 64 KiB default.
      stream = createReadStream(source, { highWaterMark: 256 << 10 });
    }
    describe = source;
  } else {
    stream = (source === '-' ? process.stdin : source) as AsyncIterable<unknown>;
  }
  const p = progressReporter(onProgress, 'reading archive', total);
  report = (n) => p.add(n);
  const { head, all } = await peek(file ? stream : counted(stream, report), Math.max(MAGIC_BYTES, TAR_HEADER));
  const c = sniffCompression(head);
  if (c === 'none' && looksLikeJson(head)) {
    throw invalidArchive(`not an image archive: ${describe} is a JSON document, not a tar; `
      + 'give the docker save tar, the OCI layout tar, or the OCI layout directory that holds it');
  }
  // A few chunks of read-ahead, not Readable.from's default of 16 (4 MiB of 256 KiB reads).
  let input: Readable = Readable.from(all, { highWaterMark: 4 });
  if (c !== 'none') {
    const dec = decompressor(c);
    input = pipeline(input, dec, () => undefined);
  }
  // Offsets are the tar's only when the file is the tar itself, not compressed.
  const archive = await StreamArchive.collect(input, budget, blobs, c === 'none' ? file ?? undefined : undefined);
  p.end();
  return { files: archive, describe, entryCount: archive.entryCount };
}
