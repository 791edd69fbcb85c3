/**
 * docs/domain.md §6 and the brief: one streaming pass, never a whole layer in
 * memory. A docker-archive with a 384 MiB layer is generated on the fly (never
 * held in memory by the test either) and imported from a stream while RSS is
 * sampled; the DiffID is computed independently by hashing the generated tar.
 */
import { createHash } from 'node:crypto';
import * as tar from 'tar-stream';
import { readImages } from '../../src/importers';

/** A ustar header for a regular file (POSIX pax/ustar layout). */
function ustarHeader(name: string, size: number): Buffer {
  const b = Buffer.alloc(512);
  const oct = (v: number, off: number, len: number): void => { b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, 'latin1'); };
  b.write(name, 0, 'latin1');
  oct(0o644, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(0, 136, 12);
  b.write('        ', 148, 'latin1');
  b.write('0', 156, 'latin1');
  b.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

const MiB = 1024 * 1024;
const FILE_BYTES = 384 * MiB;
const CHUNK = Buffer.alloc(MiB, 0x5a);

/** The layer tar, chunk by chunk: one big file, padding, end-of-archive blocks. */
function* layerTar(): Generator<Buffer> {
  yield ustarHeader('big.bin', FILE_BYTES);
  for (let n = 0; n < FILE_BYTES; n += MiB) yield CHUNK;
  yield Buffer.alloc(1024);
}
const LAYER_TAR_BYTES = 512 + FILE_BYTES + 1024;

async function writeEntry(pack: tar.Pack, name: string, size: number, chunks: Iterable<Buffer>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ name, size }, (err) => (err ? reject(err) : resolve()));
    (async () => {
      for (const c of chunks) {
        if (!sink.write(c)) await new Promise<void>((r) => { sink.once('drain', () => r()); });
      }
      sink.end(undefined as unknown as Buffer);
    })().catch(reject);
  });
}

it('imports a 384 MiB layer from a stream without holding it in memory', async () => {
  const h = createHash('sha256');
  for (const c of layerTar()) h.update(c);
  const diffId = `sha256:${h.digest('hex')}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'big' }] }));
  const configHex = createHash('sha256').update(config).digest('hex');

  const pack = tar.pack();
  const producing = (async () => {
    await writeEntry(pack, 'l1/layer.tar', LAYER_TAR_BYTES, layerTar());
    await writeEntry(pack, `${configHex}.json`, config.length, [config]);
    const manifest = Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['big:1'], Layers: ['l1/layer.tar'] }]));
    await writeEntry(pack, 'manifest.json', manifest.length, [manifest]);
    pack.finalize();
  })();

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const [img] = await readImages(pack as unknown as NodeJS.ReadableStream);
    await producing;
    expect(img!.imageId).toBe(`sha256:${configHex}`);
    expect(img!.layers[0]!.diffId).toBe(diffId);
    expect(img!.layers[0]!.size).toBe(FILE_BYTES);
    expect(img!.repoTags).toEqual(['big:1']);
  } finally {
    clearInterval(timer);
  }
  expect(peak - baseline).toBeLessThan(160 * MiB);
}, 120_000);
