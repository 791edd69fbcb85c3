/**
 * Walks a tar stream once, entry by entry (the outer archive of `docker save`
 * or of an OCI layout tar). Same guards as layers: TarFramer caps long headers,
 * stops at the end-of-archive marker and reports truncation.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { TarFramer } from './tarFramer';
import { decodeFileName } from '../domain/fileName';
import { decodePaxBytes } from './layerTarParser';

/**
 * tar-stream's extractor accepting pre-POSIX (v7) headers too, as Go's
 * archive/tar does; TarFramer has already verified each header's checksum.
 */
export const newExtract = () => tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);

/**
 * The extractor for layer tars: names, link names and PAX records arrive as
 * raw bytes (latin1 strings) instead of being decoded as UTF-8 with
 * replacement, so `layerNames` can map them losslessly (src/domain/fileName.ts).
 * tar-stream 3 decodes PAX records itself, with replacement; its
 * `_decodeLongHeader` is taken over for the two PAX types only.
 */
export function newLayerExtract(): ReturnType<typeof tarExtract> {
  const ex = tarExtract({ allowUnknownFormat: true, filenameEncoding: 'latin1' } as Parameters<typeof tarExtract>[0]) as any;
  const decodeLong = ex._decodeLongHeader.bind(ex);
  ex._decodeLongHeader = (buf: Buffer) => {
    const type = ex._header?.type;
    if (type === 'pax-global-header') { ex._paxGlobal = decodePaxBytes(buf); return; }
    if (type === 'pax-header') { ex._pax = { ...(ex._paxGlobal ?? {}), ...decodePaxBytes(buf) }; return; }
    decodeLong(buf);
  };
  return ex;
}

const PLAIN_ASCII = /^[\x01-\x7f]*$/;

/** A header from newLayerExtract with its name and link name as Strata records them (lossless, docs/domain.md §2.1). */
export function layerNames(h: Header): Header {
  // ASCII without NUL reads as itself (decodeFileName maps each such byte to its own character):
  // most names, decoded without a string built character by character (a third of a scan's garbage).
  const text = (s: string) => (PLAIN_ASCII.test(s) ? s : decodeFileName(Buffer.from(s, 'latin1')));
  return { ...h, name: text(h.name), linkname: h.linkname == null ? h.linkname : text(h.linkname) };
}

/** An entry's data: iterate it at most once; what is not read is drained. */
export interface EntryData extends AsyncIterable<Buffer> {}

function shield(stream: AsyncIterable<unknown>): { data: EntryData; drain: () => Promise<void> } {
  const it = stream[Symbol.asyncIterator]();
  let done = false;
  const next = async (): Promise<IteratorResult<Buffer>> => {
    if (done) return { done: true, value: undefined };
    const r = await it.next();
    if (r.done) { done = true; return { done: true, value: undefined }; }
    const v = r.value;
    return { done: false, value: Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array) };
  };
  // `return` does not destroy the entry stream (that would abort the whole tar).
  const data: EntryData = {
    [Symbol.asyncIterator]: () => ({ next, return: async () => ({ done: true, value: undefined }) }),
  };
  const drain = async (): Promise<void> => {
    while (!(await next()).done) { /* discard */ }
  };
  return { data, drain };
}

const NO_DATA: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };

/**
 * An entry's data as Go's archive/tar (what Docker reads with) and TarFramer frame it: a directory carries none,
 * whatever size its header declares. tar-stream hands such a directory a stream that never ends (it does not
 * read the declared bytes either: the next block is the next header), so a reader that waits for its end
 * waits forever; this is the one place that knows.
 */
export function entryData(h: Header, stream: unknown): AsyncIterable<Buffer> {
  return h.type === 'directory' ? NO_DATA : (stream as AsyncIterable<Buffer>);
}

export async function walkTar(src: AsyncIterable<Buffer> | Readable,
  onEntry: (h: Header, data: EntryData) => Promise<void>): Promise<void> {
  const ex = newExtract();
  ex.on('entry', (h, stream, next) => {
    const { data, drain } = shield(entryData(h, stream) as AsyncIterable<unknown>);
    onEntry(h, data)
      .then(drain)
      .then(() => next(), (e: unknown) => next(e instanceof Error ? e : new Error(String(e))));
  });
  const input = src instanceof Readable ? src : Readable.from(src);
  await pipeline(input, new TarFramer(), ex as unknown as NodeJS.WritableStream);
}
