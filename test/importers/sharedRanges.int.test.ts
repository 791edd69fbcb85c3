/**
 * Range scans shared between the test's thread and a worker (src/importers/sharedRanges.ts): each
 * layer is offered to both, and scanned once, by the thread that claims it first; a withdrawn
 * offer is scanned by nobody; a worker that crashes leaves what it had not claimed to this
 * thread. The worker here is a stand-in that claims on the test's command (the real one is
 * exercised by rangeScans.int.test.ts and, with layers large enough for both threads to take
 * some, below).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { Budget } from '../../src/importers/limits';
import { scanRange, type RangeRequest, type RangeResult } from '../../src/importers/rangeScan';
import { SharedRanges, type OfferThread } from '../../src/importers/sharedRanges';
import { CLAIMED_HERE, UNCLAIMED, WITHDRAWN } from '../../src/importers/scanProtocol';
import { readImages } from '../../src/importers';
import {
  prestartScanThread, rangeScansStarted, scanLayerOffThread, scanRangesInThisThread, scansStartedOffThread,
} from '../../src/importers/scanPool';
import { archiveTar, buildImage, buildLayer, ociLayout, type LayerSpec } from '../helpers/archiveBuilder';
import { useCliScanThreads } from '../helpers/cliScanThreads';

jest.setTimeout(120_000);

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'strata-shared-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Bytes gzip cannot shrink (a fixed sequence). */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

/**
 * A file holding `n` gzip layers one after another, and each one's range. The first is larger than
 * a step of this thread's scan (HERE_STEP_BYTES): this thread, which claims it at once, is busy
 * with it until its event loop has turned a few times.
 */
async function layersFile(n: number): Promise<{ path: string; ranges: RangeRequest[] }> {
  const blobs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const big = i === 0 ? [{ name: 'big.bin', content: noise(3 << 20, 0x1234567) }] : [];
    blobs.push((await buildLayer({ entries: [{ name: `l${i}/` }, { name: `l${i}/f`, content: `layer ${i} `.repeat(50 + i) }, ...big], compression: 'gzip' })).blob);
  }
  const path = join(tmp, `layers-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, Buffer.concat(blobs));
  let offset = 0;
  const ranges = blobs.map((b) => {
    const r = { path, offset, size: b.length, copy: null };
    offset += b.length;
    return r;
  });
  return { path, ranges };
}

/** A stand-in worker: it keeps what is offered, and claims and scans an offer when told to. */
class FakeWorker implements OfferThread {
  broken = false;
  readonly offers = new Map<number, {
    req: RangeRequest; budget: Budget; claim: Int32Array; claimAs: number; resolve(r: RangeResult): void; reject(e: unknown): void;
  }>();
  readonly forgotten: number[] = [];
  readonly aborted: number[] = [];

  offerRange(id: number, req: RangeRequest, budget: Budget, _what: string, claim: Int32Array, claimAs: number): Promise<RangeResult> {
    return new Promise((resolve, reject) => { this.offers.set(id, { req, budget, claim, claimAs, resolve, reject }); });
  }

  forget(id: number): void { this.forgotten.push(id); }
  abort(id: number): void { this.aborted.push(id); }

  /** Claims the offer as the worker does; false if another thread claimed or withdrew it. */
  claim(id: number): boolean {
    const o = this.offers.get(id)!;
    return Atomics.compareExchange(o.claim, 0, UNCLAIMED, o.claimAs) === UNCLAIMED;
  }

  async scan(id: number): Promise<void> {
    const o = this.offers.get(id)!;
    o.resolve({ ...(await scanRange(o.budget, o.req, `offer ${id}`, () => null)), size: -id });
  }

  crash(): void {
    this.broken = true;
    for (const o of this.offers.values()) o.reject(new Error('layer scan thread exited (code 1)'));
  }
}

let ids = 0;

function shared(worker: FakeWorker, here = 1) {
  let released = 0;
  let busy = 0;
  const s = new SharedRanges(here, 1, {
    acquire: () => [worker], release: () => { released += 1; }, nextId: () => ++ids, workerBusy: () => { busy += 1; },
  });
  return { s, released: () => released, busy: () => busy };
}

const idsOf = (w: FakeWorker): number[] => [...w.offers.keys()];

describe('ranges offered to this thread and a worker', () => {
  it('scans each once: what the worker claims comes from the worker, the rest from this thread', async () => {
    const { ranges } = await layersFile(3);
    const w = new FakeWorker();
    const { s, released, busy } = shared(w);
    const budget = new Budget();
    // This thread is free: it claims the first at once, and is busy with it; the second and third wait for the first free thread.
    const scans = ranges.map((r, i) => s.offer(r, budget, `layer ${i}`));
    const [first, second, third] = idsOf(w);
    expect(w.claim(first!)).toBe(false);
    expect(w.claim(second!)).toBe(true);
    // This thread takes a step of the first meanwhile.
    await new Promise((r) => setImmediate(r));
    await w.scan(second!);
    const results = await Promise.all(scans.map((x) => x.result));
    // The stand-in marks its results (a negative size): the second is the worker's, the others this thread's.
    expect(results.map((r) => r.size)).toEqual([ranges[0]!.size, -second!, ranges[2]!.size]);
    const alone = await Promise.all(ranges.map((r, i) => scanRange(new Budget(), r, `layer ${i}`, () => null)));
    expect(results.map((r) => r.digest)).toEqual(alone.map((r) => r.digest));
    expect(results[2]!.scan!.entries).toEqual(alone[2]!.scan!.entries);
    // The worker's claim stands (this thread never took the second over); the third is this thread's.
    const second$ = w.offers.get(second!)!;
    expect(Atomics.load(second$.claim, 0)).toBe(second$.claimAs);
    expect(w.claim(third!)).toBe(false);
    // Every offer is dropped from the worker once settled (it answers none of the others), and the worker is given back.
    expect(new Set(w.forgotten)).toEqual(new Set([first, second, third]));
    expect(released()).toBe(1);
    // While the worker scanned, this thread ran its waiting work (loading modules, in the CLI).
    expect(busy()).toBeGreaterThan(0);
  });

  it('scans a withdrawn offer nowhere, and asks the worker to stop one it claimed', async () => {
    const { ranges } = await layersFile(3);
    const w = new FakeWorker();
    const { s } = shared(w);
    const scans = ranges.map((r, i) => s.offer(r, new Budget(), `layer ${i}`));
    const [, second, third] = idsOf(w);
    expect(w.claim(second!)).toBe(true);
    const stop = new Error('the walk failed');
    scans[2]!.abort(stop);
    scans[1]!.abort(stop);
    await expect(scans[2]!.result).rejects.toBe(stop);
    expect(w.claim(third!)).toBe(false);
    expect(w.forgotten).toContain(third);
    expect(w.aborted).toEqual([second]);
    w.offers.get(second!)!.reject(new Error('stopped: the walk failed'));
    await expect(scans[1]!.result).rejects.toThrow('stopped');
    await expect(scans[0]!.result).resolves.toMatchObject({ size: ranges[0]!.size });
  });

  it('scans here what a crashed worker had not claimed; what it had claimed fails', async () => {
    const { ranges } = await layersFile(3);
    const w = new FakeWorker();
    const { s } = shared(w);
    const scans = ranges.map((r, i) => s.offer(r, new Budget(), `layer ${i}`));
    const [, second] = idsOf(w);
    expect(w.claim(second!)).toBe(true);
    w.crash();
    await expect(scans[1]!.result).rejects.toThrow('exited');
    const [a, c] = await Promise.all([scans[0]!.result, scans[2]!.result]);
    expect([a.size, c.size]).toEqual([ranges[0]!.size, ranges[2]!.size]);
  });

  it('fails what nobody had claimed when the only worker crashes and this thread scans none', async () => {
    const { ranges } = await layersFile(2);
    const w = new FakeWorker();
    const { s, released } = shared(w, 0);
    const scans = ranges.map((r, i) => s.offer(r, new Budget(), `layer ${i}`));
    w.crash();
    for (const x of scans) await expect(x.result).rejects.toThrow('exited');
    expect(idsOf(w).map((id) => w.claim(id))).toEqual([false, false]);
    expect(released()).toBe(1);
  });
});

describe('the worker side of an offer (scanWorker.ts)', () => {
  it('scans only what it claims: an offer claimed elsewhere or withdrawn gets no answer', async () => {
    const { ranges } = await layersFile(3);
    const cell = (v: number) => { const c = new Int32Array(new SharedArrayBuffer(4)); c[0] = v; return c; };
    const cells = [cell(CLAIMED_HERE), cell(WITHDRAWN), cell(UNCLAIMED)];
    const worker = new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); `
      + `require(${JSON.stringify(join(__dirname, '../../src/importers/scanWorker.ts'))});`, { eval: true });
    try {
      const answers: { id: number; type: string }[] = [];
      const third = new Promise<void>((resolve) => worker.on('message', (m: { id: number; type: string }) => {
        answers.push({ id: m.id, type: m.type });
        if (m.id === 3) resolve();
      }));
      const budget = new Budget().share();
      ranges.forEach((range, i) => worker.postMessage({ type: 'offerRange', id: i + 1, what: `layer ${i}`, budget, range, claim: cells[i], claimAs: 9 }));
      await third;
      // Offered in order, it would have scanned the first two before the third.
      expect(answers).toEqual([{ id: 3, type: 'rangeDone' }]);
      expect(cells.map((c) => c[0])).toEqual([CLAIMED_HERE, WITHDRAWN, 9]);
    } finally {
      await worker.terminate();
    }
  });
});

describe('the CLI arrangement with layers large enough for both threads', () => {
  useCliScanThreads();

  it('shares the layers between this thread and the worker, each scanned once, with the streamed read\'s images', async () => {
    // Six layers of 6 MiB that gzip cannot shrink: this thread reads one in six steps, its walk offers the next meanwhile.
    const layers: LayerSpec[] = Array.from({ length: 6 }, (_, i) => ({ entries: [{ name: `n${i}.bin`, content: noise(6 << 20, 0x2545f491 + i) }], compression: 'gzip' }));
    const archive = await archiveTar(ociLayout([await buildImage({ layers })]));
    const file = join(tmp, 'six.tar');
    writeFileSync(file, archive);
    const streamed = await readImages(Readable.from([archive]));
    // The worker is up before the import starts, as the CLI starts it before it opens the archive
    // (an import ends its workers when done; one started through tsx takes a while).
    prestartScanThread();
    await scanLayerOffThread(Readable.from([(await buildLayer({ entries: [{ name: 'warm' }] })).blob]), new Budget(), 'warm-up');
    const ranges = rangeScansStarted();
    const offThread = scansStartedOffThread();
    const ranged = await readImages(file);
    expect(rangeScansStarted() - ranges).toBe(6);
    const byWorker = scansStartedOffThread() - offThread;
    expect(byWorker).toBeGreaterThan(0);
    expect(byWorker).toBeLessThan(6);
    expect(ranged).toEqual(streamed);
  });

  it('offers every layer to the workers alone when this thread scans none (a server)', async () => {
    scanRangesInThisThread(0);
    try {
      const layers: LayerSpec[] = Array.from({ length: 4 }, (_, i) => ({ entries: [{ name: `m${i}.bin`, content: noise(1 << 20, 0x1f123bb5 + i) }], compression: 'gzip' }));
      const archive = await archiveTar(ociLayout([await buildImage({ layers })]));
      const file = join(tmp, 'four.tar');
      writeFileSync(file, archive);
      const streamed = await readImages(Readable.from([archive]));
      const offThread = scansStartedOffThread();
      expect(await readImages(file)).toEqual(streamed);
      expect(scansStartedOffThread() - offThread).toBe(4);
    } finally {
      scanRangesInThisThread(1);
    }
  });
});
