import { EMPTY_LAYER_DIFF_ID } from '../../src/domain/digest';
import { KnownLayer, removalImpact, ShareKey, StorageFigures, StorageImage, storageReport } from '../../src/domain/storage';
import { StorageLedger } from '../../src/domain/storageLedger';
import { chains, d } from './domainTestKit';

/** Layer sizes: a 100, b 50, c 10, d 20, n 200, E (the empty tar) 0. */
const SIZES: Record<string, number> = { a: 100, b: 50, c: 10, d: 20, n: 200, E: 0, x: 30, o: 7 };
const diff = (l: string) => (l === 'E' ? EMPTY_LAYER_DIFF_ID : d(l));
const image = (imageId: string, letters: string[]): StorageImage => {
  const diffIds = letters.map(diff);
  const chainIds = chains(diffIds);
  return {
    imageId,
    layers: letters.map((l, i) => ({ diffId: diffIds[i] as string, chainId: chainIds[i] as string, size: SIZES[l] as number })),
  };
};

/**
 * alpine [a] 100 · app1 [a,b,c] 160 · app2 [a,b,d] 170 · rebased [n,b,c] 260 (app1 rebased onto n)
 * twice [a,d,d] 140 (d repeated) · withEmpty [a,E] 100. Logical 930.
 * Built per test (not when the file loads), so a broken builder fails tests, not the whole file.
 */
const family = (): StorageImage[] => [
  image('alpine', ['a']),
  image('app1', ['a', 'b', 'c']),
  image('app2', ['a', 'b', 'd']),
  image('rebased', ['n', 'b', 'c']),
  image('twice', ['a', 'd', 'd']),
  image('withEmpty', ['a', 'E']),
];

const figures = (r: ReturnType<typeof storageReport>) =>
  Object.fromEntries(r.images.map((i) => [i.imageId, [i.size, i.sharedSize, i.uniqueSize]]));

describe('storage report by CHAIN_ID (docker system df -v, docs/domain.md §3)', () => {
  let r: StorageFigures;
  beforeEach(() => { r = storageReport('CHAIN_ID', family()); });
  test('totals', () => {
    // keys: C(a)×5 100, C(ab)×2 50, C(abc) 10, C(abd) 20, C(n) 200, C(nb) 50, C(nbc) 10, C(ad) 20, C(add) 20, C(aE) 0
    expect(r).toMatchObject({
      by: 'CHAIN_ID', logicalSize: 930, physicalSize: 480, savedBytes: 450, imageCount: 6,
      layerCount: 10, sharedLayerCount: 2, reclaimableLayerCount: 0, reclaimableBytes: 0,
    });
    expect(r.savingsRatio).toBeCloseTo(450 / 930, 12);
  });
  test('per image: the rebase shares nothing by ChainID', () => {
    expect(figures(r)).toEqual({
      alpine: [100, 100, 0], app1: [160, 150, 10], app2: [170, 150, 20],
      rebased: [260, 0, 260], twice: [140, 100, 40], withEmpty: [100, 100, 0],
    });
  });
  test('usage count per layer', () => {
    const [ca] = chains([d('a')]);
    expect(r.layers.find((l) => l.key === ca)).toEqual({ key: ca, diffId: d('a'), size: 100, imageCount: 5 });
    expect(r.layers.map((l) => l.imageCount).sort()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 5]);
  });
});

describe('storage report by DIFF_ID (a registry, docs/domain.md §3)', () => {
  let r: StorageFigures;
  beforeEach(() => { r = storageReport('DIFF_ID', family()); });
  test('totals', () => {
    // keys: a×5 100, b×3 50, c×2 10, d×2 20 (twice counts once), n 200, E 0
    expect(r).toMatchObject({
      logicalSize: 930, physicalSize: 380, savedBytes: 550, layerCount: 6, sharedLayerCount: 4,
    });
    expect(r.savingsRatio).toBeCloseTo(550 / 930, 12);
  });
  test('per image: the rebase shares its own layers by DiffID; a repeat counts at every occurrence', () => {
    expect(figures(r)).toEqual({
      alpine: [100, 100, 0], app1: [160, 160, 0], app2: [170, 170, 0],
      rebased: [260, 60, 200], twice: [140, 140, 0], withEmpty: [100, 100, 0],
    });
  });
  test('the empty layer is a layer of size 0 used once', () => {
    expect(r.layers.find((l) => l.diffId === EMPTY_LAYER_DIFF_ID)).toEqual({
      key: EMPTY_LAYER_DIFF_ID, diffId: EMPTY_LAYER_DIFF_ID, size: 0, imageCount: 1,
    });
  });
  test('a layer repeated inside one image alone is not shared', () => {
    const solo = storageReport('DIFF_ID', [image('solo', ['x', 'x'])]);
    expect(solo).toMatchObject({ logicalSize: 60, physicalSize: 30, savedBytes: 30, layerCount: 1, sharedLayerCount: 0 });
    expect(solo.images).toEqual([{ imageId: 'solo', size: 60, sharedSize: 0, uniqueSize: 60 }]);
    expect(solo.layers[0]?.imageCount).toBe(1);
  });
  test('an empty report has ratio 0', () => {
    expect(storageReport('DIFF_ID', [])).toMatchObject({ logicalSize: 0, savingsRatio: 0, layerCount: 0 });
  });
});

describe('removal (Docker semantics, docs/domain.md §3)', () => {
  test('removalImpact: what would be freed', () => {
    expect(removalImpact('DIFF_ID', family(), 'app1')).toEqual({ imageId: 'app1', freedLayers: [], freedBytes: 0 });
    expect(removalImpact('CHAIN_ID', family(), 'app1')?.freedBytes).toBe(10);
    expect(removalImpact('DIFF_ID', family(), 'rebased')?.freedLayers.map((l) => l.diffId)).toEqual([d('n')]);
    expect(removalImpact('CHAIN_ID', family(), 'rebased')?.freedBytes).toBe(260);
    expect(removalImpact('DIFF_ID', family(), 'ghost')).toBeNull();
  });

  test('ledger: removing rebased then app1 leaves c and n reclaimable', () => {
    const ledger = new StorageLedger('DIFF_ID');
    family().forEach((i) => ledger.addImage(i));
    ledger.addKnownLayer({ diffId: d('o'), chainId: null, size: 7 });
    expect(ledger.report()).toMatchObject({ reclaimableLayerCount: 1, reclaimableBytes: 7 });
    expect(ledger.removeImage('rebased')?.freedBytes).toBe(200);
    expect(ledger.removeImage('app1')?.freedLayers.map((l) => [l.diffId, l.size])).toEqual([[d('c'), 10]]);
    expect(ledger.removeImage('app1')).toBeNull();
    // live: alpine 100, app2 170, twice 140, withEmpty 100 → logical 510; a 100 + b 50 + d 20 + E 0 = 170
    expect(ledger.report()).toMatchObject({
      logicalSize: 510, physicalSize: 170, savedBytes: 340, imageCount: 4, layerCount: 4,
      sharedLayerCount: 2, reclaimableLayerCount: 3, reclaimableBytes: 217,
    });
    expect(ledger.imageFigures('app2')).toEqual({ imageId: 'app2', size: 170, sharedSize: 120, uniqueSize: 50 });
    expect(ledger.imageFigures('twice')).toEqual({ imageId: 'twice', size: 140, sharedSize: 140, uniqueSize: 0 });
    expect(ledger.layerUsage(d('b'))?.imageCount).toBe(1);
    expect(ledger.report().reclaimable.map((l) => l.diffId).sort()).toEqual([d('c'), d('n'), d('o')].sort());
  });

  test('ledger lookups: an image is live from its add to its removal; a key once seen keeps its usage, 0 images when reclaimable', () => {
    const ledger = new StorageLedger('DIFF_ID');
    expect(ledger.hasImage('app1')).toBe(false);
    ledger.addImage(image('app1', ['a', 'b', 'c']));
    ledger.addImage(image('alpine', ['a']));
    expect([ledger.hasImage('app1'), ledger.hasImage('alpine'), ledger.hasImage('ghost')]).toEqual([true, true, false]);
    ledger.removeImage('app1');
    expect([ledger.hasImage('app1'), ledger.hasImage('alpine')]).toEqual([false, true]);
    expect(ledger.imageFigures('app1')).toBeNull();
    expect(ledger.imageFigures('alpine')).toEqual({ imageId: 'alpine', size: 100, sharedSize: 0, uniqueSize: 100 });
    expect(ledger.layerUsage(d('c'))).toEqual({ key: d('c'), diffId: d('c'), size: 10, imageCount: 0 });
    expect(ledger.layerUsage(d('a'))?.imageCount).toBe(1);
    expect(ledger.layerUsage(d('n'))).toBeNull();
  });

  test('ledger lists are kept while nothing changes and rebuilt after every change, a removal then an add included', () => {
    const ledger = new StorageLedger('DIFF_ID');
    ['alpine', 'app1'].forEach((id) => ledger.addImage(family().find((i) => i.imageId === id) as StorageImage));
    const first = ledger.report();
    expect(ledger.imageList()).toBe(first.images); // asked again at the same position: the same lists
    expect(ledger.layerList()).toBe(first.layers);
    ledger.removeImage('alpine');
    ledger.addImage(image('again', ['a', 'b'])); // no new key: only the removal and the add change the ledger
    const after = ledger.report();
    expect(after.images.map((i) => i.imageId)).toEqual(['app1', 'again']);
    expect(after.layers.map((l) => [l.diffId, l.imageCount])).toEqual(storageReport('DIFF_ID', [
      image('app1', ['a', 'b', 'c']), image('again', ['a', 'b'])]).layers.map((l) => [l.diffId, l.imageCount]));
  });

  test('ledger by CHAIN_ID ignores unpositioned layers; re-adding makes a layer live again', () => {
    const ledger = new StorageLedger('CHAIN_ID');
    ledger.addKnownLayer({ diffId: d('o'), chainId: null, size: 7 });
    ledger.addImage(image('alpine', ['a']));
    ledger.addImage(image('alpine', ['a']));
    expect(ledger.report()).toMatchObject({ imageCount: 1, logicalSize: 100, reclaimableLayerCount: 0 });
    ledger.removeImage('alpine');
    expect(ledger.report()).toMatchObject({ imageCount: 0, physicalSize: 0, reclaimableLayerCount: 1, reclaimableBytes: 100 });
    ledger.addImage(image('alpine', ['a']));
    expect(ledger.report()).toMatchObject({ physicalSize: 100, reclaimableLayerCount: 0 });
  });
});

describe('incremental ledger = from-scratch report', () => {
  const pool = ['a', 'b', 'c', 'd', 'n', 'E', 'x'];
  /** Deterministic pseudo-random (LCG) so a failure reproduces. */
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

  test.each<ShareKey>(['CHAIN_ID', 'DIFF_ID'])('400 random adds and removes, by %s', (by) => {
    const next = rng(by === 'CHAIN_ID' ? 7 : 11);
    const ledger = new StorageLedger(by);
    let live: StorageImage[] = [];
    const known: KnownLayer[] = [];
    let prev: StorageFigures | null = null;
    let prevCopy: StorageFigures | null = null;
    for (let step = 0; step < 400; step++) {
      const id = `img${Math.floor(next() * 30)}`;
      if (live.some((i) => i.imageId === id)) {
        expect(ledger.removalImpact(id)).toEqual(removalImpact(by, live, id));
        ledger.removeImage(id);
        live = live.filter((i) => i.imageId !== id);
      } else {
        const letters = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pool[Math.floor(next() * pool.length)] as string);
        const img = image(id, letters);
        ledger.addImage(img);
        live.push(img);
        known.push(...img.layers);
      }
      const now = ledger.report();
      expect(now).toEqual(storageReport(by, live, known));
      if (prev) {
        // Across one change, a row is the previous list's object exactly when its figures did not change...
        const images = new Map(prev.images.map((i) => [i.imageId, i]));
        for (const i of now.images) {
          const was = images.get(i.imageId);
          expect(was === i).toBe(was?.size === i.size && was.sharedSize === i.sharedSize);
        }
        const layers = new Map([...prev.layers, ...prev.reclaimable].map((l) => [l.key, l]));
        for (const l of [...now.layers, ...now.reclaimable]) {
          const was = layers.get(l.key);
          expect(was === l).toBe(was?.size === l.size && was.diffId === l.diffId && was.imageCount === l.imageCount);
        }
        // ...and the previous lists were not changed in place (readers keep text per row object).
        expect(prev).toEqual(prevCopy);
        expect(now.images).not.toBe(prev.images);
      }
      prev = now;
      prevCopy = structuredClone(now);
    }
  });
});

/**
 * "Sorted by key", checked against an order the code does not share: the keys'
 * bytes compared with Buffer.compare (keys are ASCII "sha256:<hex>"), not the
 * `byKey` comparator both the report and the ledger use.
 */
describe('lists sorted by key (independent order: bytes of the key)', () => {
  const byBytes = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const keysOf = (layers: { key: string }[]) => layers.map((l) => l.key);
  /** Layers no live image holds, in an order that is not the byte order of their keys. */
  const removed = (by: ShareKey): KnownLayer[] => {
    const gone = ['p', 'q', 'r', 's', 't', 'u'].map((l) => image(`gone-${l}`, [l]).layers[0] as KnownLayer);
    const sorted = byBytes(gone.map((l) => (by === 'CHAIN_ID' ? (l.chainId as string) : l.diffId)));
    return [...gone].sort((a, b) => sorted.indexOf(b.chainId as string) - sorted.indexOf(a.chainId as string)
      || sorted.indexOf(b.diffId) - sorted.indexOf(a.diffId));
  };

  test.each<ShareKey>(['CHAIN_ID', 'DIFF_ID'])('report by %s: layers and reclaimable', (by) => {
    const live = family();
    const firstSeen = [...new Set(live.flatMap((i) => i.layers.map((l) => (by === 'CHAIN_ID' ? l.chainId : l.diffId))))];
    expect(firstSeen).not.toEqual(byBytes(firstSeen)); // the input alone is not in key order
    const known = removed(by);
    const r = storageReport(by, live, known);
    expect(keysOf(r.layers)).toEqual(byBytes(firstSeen));
    expect(keysOf(r.reclaimable)).toEqual(byBytes(known.map((k) => (by === 'CHAIN_ID' ? (k.chainId as string) : k.diffId))));
    expect(keysOf(r.reclaimable)).not.toEqual(known.map((k) => (by === 'CHAIN_ID' ? k.chainId : k.diffId)));
  });

  /** [o, x, a]: neither its ChainIDs nor its DiffIDs are in key order. */
  const lone = () => image('lone', ['o', 'x', 'a']);

  test.each<ShareKey>(['CHAIN_ID', 'DIFF_ID'])('ledger by %s: report, removal impact and removal', (by) => {
    const ledger = new StorageLedger(by);
    [...family(), lone()].forEach((i) => ledger.addImage(i));
    removed(by).forEach((k) => ledger.addKnownLayer(k));
    const report = ledger.report();
    expect(keysOf(report.layers)).toEqual(byBytes(keysOf(report.layers)));
    expect(report.layers).toHaveLength(by === 'CHAIN_ID' ? 13 : 8);
    expect(keysOf(report.reclaimable)).toEqual(byBytes(keysOf(report.reclaimable)));
    expect(report.reclaimable).toHaveLength(6);
    // lone's own keys: o, ox, oxa by ChainID; o and x by DiffID (a is shared)
    const own = lone().layers.map((l) => (by === 'CHAIN_ID' ? l.chainId : l.diffId)).slice(0, by === 'CHAIN_ID' ? 3 : 2);
    const freed = ledger.removalImpact('lone')?.freedLayers ?? [];
    expect(keysOf(freed)).toEqual(byBytes(own));
    expect(keysOf(ledger.removeImage('lone')?.freedLayers ?? [])).toEqual(byBytes(own));
  });

  test('removalImpact from scratch: freed keys in byte order, not the image\'s layer order', () => {
    const chainOrder = lone().layers.map((l) => l.chainId);
    const freed = removalImpact('CHAIN_ID', [...family(), lone()], 'lone')?.freedLayers ?? [];
    expect(keysOf(freed)).toEqual(byBytes(chainOrder));
    expect(keysOf(freed)).not.toEqual(chainOrder);
  });
});
