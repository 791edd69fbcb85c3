/**
 * Per-file content digests (docs/domain.md §3): a file's data reaches the
 * scan in one piece or in many (inflate output, network chunks, header and
 * data split across reads), and is hashed by one call or by a running hash
 * accordingly (src/importers/layerScan.ts). The digest must be the sha256 of
 * the file's bytes either way, sha256sum(1) being the oracle.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { scanLayer } from '../../src/importers/layerScan';
import { Budget } from '../../src/importers/limits';
import { buildLayer, type Compression } from '../helpers/archiveBuilder';

const sha256sum = (b: Buffer): string => `sha256:${execFileSync('sha256sum', { input: b }).toString().split(' ')[0]}`;

/** The blob in pieces of `size` bytes. */
function* pieces(b: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, Math.min(b.length, i + size));
}

const contents: [string, Buffer][] = [
  ['/empty', Buffer.alloc(0)],
  ['/one-byte', Buffer.from('x')],
  ['/block', randomBytes(512)],
  ['/odd', randomBytes(7001)],
  ['/large', randomBytes(1 << 20)],
  ['/text', Buffer.from('layer '.repeat(100_000))],
];

it.each<[Compression, number]>([
  ['none', 1 << 20], ['none', 1000], ['none', 61], ['gzip', 1 << 20], ['gzip', 333], ['zstd', 4096],
])('a %s layer read in %i-byte pieces gives every file the sha256 of its bytes', async (compression, size) => {
  const layer = await buildLayer({ compression, entries: contents.map(([name, content]) => ({ name: name.slice(1), content })) });
  const scan = await scanLayer(Readable.from(pieces(layer.blob, size)), new Budget(), 'layer');
  expect(scan.entries.map((e) => [e.path, e.size, e.contentDigest])).toEqual(
    contents.map(([path, content]) => [path, content.length, sha256sum(content)]));
  expect(scan.diffId).toBe(layer.diffId);
});
