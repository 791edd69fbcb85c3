/**
 * `strata cat` / MergedFile.content read a layer blob with tar-stream, the import's layer scan with its own parser
 * (src/importers/layerTarParser.ts): both must find the entries the ledger recorded. Where tar readers could
 * disagree, both follow Go's archive/tar (what Docker extracts with): a directory header declaring a size carries
 * no data, and the next block is the next header. Checked here on the reading side; the import's side is
 * test/importers/layerTarParser.prop.test.ts.
 */
import { Readable } from 'node:stream';
import type { BlobStore } from '../../src/blobs';
import { streamContent } from '../../src/application/fileContent';
import { END_OF_ARCHIVE, rawEntry, ustarHeader } from '../reliability/tarCraft';

/** A blob store holding one uncompressed layer tar under one digest; only what streamContent reads. */
function oneBlob(digest: string, bytes: Buffer): BlobStore {
  return {
    head: async (d: string, n: number) => (d === digest ? bytes.subarray(0, n) : null),
    read: (d: string) => { if (d !== digest) throw new Error(`no blob ${d}`); return Readable.from([bytes.subarray(0, 700), bytes.subarray(700)]); },
  } as unknown as BlobStore;
}

async function cat(blobs: BlobStore, digest: string, path: string, offset = 0, want = 1 << 20): Promise<string> {
  const out: Buffer[] = [];
  await streamContent(blobs, { digest, path }, offset, want, async (c) => { out.push(Buffer.from(c)); });
  return Buffer.concat(out).toString();
}

describe('file content read from a layer blob', () => {
  const digest = `sha256:${'c'.repeat(64)}`;

  test('a directory header that declares a size: the block after it is the next header, as the import read it', async () => {
    // d/ claims 512 bytes; those 512 bytes are the header of d/f (3 bytes: "abc").
    const layer = Buffer.concat([
      ustarHeader({ name: 'd/', type: '5', size: 512 }),
      rawEntry({ name: 'd/f', type: '0' }, Buffer.from('abc')),
      rawEntry({ name: 'e', type: '0' }, Buffer.from('second file')),
      END_OF_ARCHIVE,
    ]);
    const blobs = oneBlob(digest, layer);
    await expect(cat(blobs, digest, '/d/f')).resolves.toBe('abc');
    await expect(cat(blobs, digest, '/e', 7, 4)).resolves.toBe('file');
  });

  test('the window: offset and length within the file, nothing past its end; a missing entry is an internal error', async () => {
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => 97 + (i % 26)));
    const layer = Buffer.concat([rawEntry({ name: 'a', type: '0' }, Buffer.from('x')), rawEntry({ name: 'big', type: '0' }, body), END_OF_ARCHIVE]);
    const blobs = oneBlob(digest, layer);
    await expect(cat(blobs, digest, '/big', 1000, 1500)).resolves.toBe(body.subarray(1000, 2500).toString());
    await expect(cat(blobs, digest, '/big', 2990, 100)).resolves.toBe(body.subarray(2990).toString());
    await expect(cat(blobs, digest, '/big', 0, 0)).resolves.toBe('');
    await expect(cat(blobs, digest, '/nope')).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
  });
});
