/**
 * The stored form of a layer's entry list (layer_contents.body, docs/domain.md §7):
 * gzip, level 6, of its canonical text (src/domain/entryList.ts). A layer scan
 * makes it where it already has the text (the worker thread, on libuv's pool),
 * so the append stores it without serializing and compressing the list again
 * on the main thread (issue 19 item 2). Both forms give the same bytes.
 */
import { gzip, gzipSync, type ZlibOptions } from 'node:zlib';

const GZIP: ZlibOptions = { level: 6 };

export const entryListBodySync = (text: string): Buffer => gzipSync(text, GZIP);

export const entryListBody = (text: string): Promise<Buffer> =>
  new Promise((resolve, reject) => gzip(text, GZIP, (e, b) => (e ? reject(e) : resolve(b))));
