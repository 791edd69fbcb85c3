/**
 * SyncGunzip (layer scans' synchronous gzip, src/importers/syncGunzip.ts)
 * against zlib's Gunzip stream, which layer scans used before: for any input —
 * one or several members (eStargz), an empty member, NUL padding, NUL padding
 * then a further member or garbage, garbage after the last member, a bad CRC or
 * length, a flipped byte, a cut anywhere — fed in the same chunks, both give
 * the same output bytes, end their output at the same point, and fail with the
 * same message (or both succeed; see expectSame for the output before an
 * error). The stream's outcome is what a layer scan
 * saw: the bytes it pushed before it ended, and the pipeline's error.
 */
import fc from 'fast-check';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { createGunzip, gzipSync } from 'node:zlib';
import { SyncGunzip } from '../../src/importers/syncGunzip';

interface Outcome { out: Buffer; error: string | null }

const summary = (b: Buffer): string => `${b.length} bytes, sha256 ${createHash('sha256').update(b).digest('hex')}`;

/**
 * Same error (or none). Same output when both succeed; when both fail, the output
 * before the error may differ in extent, never in content (one is a prefix of the
 * other): the stream applies Z_FINISH to its last chunk or not depending on whether
 * `end()` came before that chunk was transformed, and a failing call's output is dropped.
 */
function expectSame(actual: Outcome, expected: Outcome): void {
  expect(actual.error).toBe(expected.error);
  if (expected.error === null) {
    expect(summary(actual.out)).toBe(summary(expected.out));
    return;
  }
  const n = Math.min(actual.out.length, expected.out.length);
  expect(summary(actual.out.subarray(0, n))).toBe(summary(expected.out.subarray(0, n)));
}

async function viaStream(chunks: Buffer[]): Promise<Outcome> {
  const parts: Buffer[] = [];
  let error: string | null = null;
  try {
    await pipeline(Readable.from(chunks), createGunzip({ chunkSize: 256 * 1024 }),
      new Writable({ write(c: Buffer, _e, cb) { parts.push(Buffer.from(c)); cb(); } }));
  } catch (e) {
    error = (e as Error).message;
  }
  return { out: Buffer.concat(parts), error };
}

function viaSync(chunks: Buffer[]): Outcome {
  const parts: Buffer[] = [];
  let ended = false;
  // The output buffer is filled again after each call: copied, as its consumers must.
  const g = new SyncGunzip((c) => { if (ended) throw new Error('output after its end'); parts.push(Buffer.from(c)); }, () => { ended = true; });
  let error: string | null = null;
  try {
    for (const c of chunks) g.write(c);
    g.end();
  } catch (e) {
    error = (e as Error).message;
  } finally {
    g.close();
  }
  return { out: Buffer.concat(parts), error };
}

/** Compressible and incompressible data, so members span several 256 KiB output buffers or none. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 700_000 })).map(([b, n]) => Buffer.alloc(n, b)),
  fc.integer({ min: 1, max: 400_000 }).map((n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 7919) % 251; return b; }),
);

const tail = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.integer({ min: 1, max: 600 }).map((n) => Buffer.alloc(n)), // NUL padding
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)), // garbage
  fc.tuple(fc.integer({ min: 1, max: 40 }), payload).map(([n, p]) => Buffer.concat([Buffer.alloc(n), gzipSync(p)])), // padding, then a member
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([n, g]) => Buffer.concat([Buffer.alloc(n), Buffer.from(g), Buffer.alloc(3)])),
);

/** A defect at a position given as a fraction of the length. */
const defect = fc.oneof(
  fc.constant(null),
  fc.tuple(fc.constant('flip' as const), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })),
  fc.tuple(fc.constant('cut' as const), fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(0)),
  fc.tuple(fc.constant('crc' as const), fc.constant(0), fc.integer({ min: 1, max: 255 })),
);

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

function build(members: Buffer[], end: Buffer, d: ['flip' | 'cut' | 'crc', number, number] | null): Buffer {
  let bytes = Buffer.concat([...members.map((m) => gzipSync(m)), end]);
  if (!d) return bytes;
  const [kind, at, x] = d;
  if (kind === 'cut') return bytes.subarray(0, Math.floor(at * bytes.length));
  bytes = Buffer.from(bytes);
  // The last member's CRC-32 is the 8 bytes before its end (then the length).
  const i = kind === 'crc' ? Math.max(0, bytes.length - end.length - 8) : Math.min(bytes.length - 1, Math.floor(at * bytes.length));
  bytes[i] = bytes[i]! ^ x;
  return bytes;
}

function chunked(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) { if (p > prev) out.push(bytes.subarray(prev, p)); prev = Math.max(prev, p); }
  return out;
}

it('gives the output, the end and the error zlib\'s stream gives, for any input in any chunks', async () => {
  let failed = 0;
  let runs = 0;
  await fc.assert(fc.asyncProperty(fc.array(payload, { minLength: 1, maxLength: 3 }), tail, defect, cuts, async (members, end, d, at) => {
    const chunks = chunked(build(members, end, d), at);
    const expected = await viaStream(chunks);
    const actual = viaSync(chunks);
    runs += 1;
    if (expected.error) failed += 1;
    expectSame(actual, expected);
  }), { numRuns: 300 });
  // Both kinds of outcome were compared, not only one.
  expect(failed).toBeGreaterThan(30);
  expect(runs - failed).toBeGreaterThan(30);
}, 120_000);

it.each([
  ['multi-member, with an empty member', () => Buffer.concat([gzipSync(Buffer.from('a')), gzipSync(Buffer.alloc(0)), gzipSync(Buffer.from('b'))]), null],
  ['NUL padding after the last member', () => Buffer.concat([gzipSync(Buffer.from('x')), Buffer.alloc(512)]), null],
  ['garbage after the last member', () => Buffer.concat([gzipSync(Buffer.from('x')), Buffer.from('garbage')]), 'incorrect header check'],
  ['truncated', () => gzipSync(Buffer.alloc(100_000, 1)).subarray(0, 50), 'unexpected end of file'],
])('%s: as the stream', async (_name, make, error) => {
  const bytes = make();
  for (const chunks of [[bytes], chunked(bytes, [0.1, 0.5, 0.9])]) {
    const expected = await viaStream(chunks);
    expect(expected.error).toBe(error);
    expectSame(viaSync(chunks), expected);
  }
});
