import { diffMergedViews } from '../../src/domain/imageDiff';
import { efficiency } from '../../src/domain/efficiency';
import { buildMergedViews, type LayerInput } from '../../src/domain/mergedView';
import { readImages } from '../../src/importers';
import { diveFixture } from './diveFixture';
import { skippingDescribe } from '../helpers/skip';

const archive = diveFixture('test-docker-image.tar');
const maybe = archive ? describe : skippingDescribe("dive's fixture test-docker-image.tar is absent (a clone without ../shared; CI has it)");

maybe("dive's own fixture test-docker-image.tar (docs/domain.md §5)", () => {
  let layers: LayerInput[];
  beforeAll(async () => {
    const [image] = await readImages(archive as string);
    layers = image?.layers.map((l) => ({ diffId: l.diffId, entries: l.entries })) ?? [];
  });

  it('gives the figures dive asserts, exactly', () => {
    const r = efficiency(layers);
    expect(r.score).toBe(0.9844212134184309);
    expect(r.sizeBytes).toBe(1220598);
    expect(r.userSizeBytes).toBe(66237);
    expect(r.wastedBytes).toBe(32025);
    expect(r.userWastedPercent).toBe(0.4834911001404049);
    expect(r.layerSizes).toEqual([1154361, 6405, 0, 6405, 6405, 6405, 6405, 6405, 6405, 0, 2187, 6405, 6405, 6405]);
    expect(r.inefficientFiles).toEqual([
      { path: '/root/saved.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile1.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile3.txt', count: 2, wastedBytes: 6405 },
    ]);
    // somefile1 (x2: cp, chmod copy-up), somefile2, somefile3 (moved), the first saved.txt (chmod copy-up): 5 × 6405
    expect(r.hiddenBytes).toBe(5 * 6405);
  });

  it('"451 files" is the number of entries in the 14 layer tars; the merged view shows 423', () => {
    expect(layers.reduce((n, l) => n + l.entries.length, 0)).toBe(451);
    const top = buildMergedViews(layers).at(-1);
    const kinds: Record<string, number> = {};
    for (const e of top?.entries() ?? []) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(top?.size).toBe(423);
    expect(kinds).toEqual({ DIRECTORY: 18, FILE: 13, HARDLINK: 392 });
    expect(top?.list('/', { recursive: true }).totalCount).toBe(423);
  });

  it('merged view: lookups, hard links sized like their target, deletions', () => {
    const views = buildMergedViews(layers);
    const top = views.at(-1);
    const busybox = top?.lookup('/bin/[');
    expect(busybox).toMatchObject({ kind: 'FILE', size: 1075464 });
    expect(top?.lookup('/bin/sh')).toMatchObject({ kind: 'HARDLINK', linkTarget: '/bin/[', size: 1075464, contentDigest: busybox?.contentDigest });
    const links = top?.entries().filter((e) => e.kind === 'HARDLINK') ?? [];
    expect(links.filter((e) => e.size !== top?.lookup(e.linkTarget ?? '')?.size)).toEqual([]);
    expect(top?.lookup('/root/example')).toBeNull();
    expect(top?.lookup('/root/saved.txt')).toMatchObject({ kind: 'FILE', size: 6405, layerIndex: 13 });
    expect(top?.lookup('/root/.data/saved.again2.txt')).toMatchObject({ layerIndex: 12 });
    const [l8, l9] = [views[8], views[9]];
    expect(l8 && l9 && diffMergedViews(l8, l9).map((d) => `${d.change} ${d.path}`)).toEqual([
      'DELETED /root/example', 'DELETED /root/example/really', 'DELETED /root/example/really/nested',
      'DELETED /root/example/somefile1.txt', 'DELETED /root/example/somefile2.txt',
    ]);
  });
});
