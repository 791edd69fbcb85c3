/**
 * Query.layerDiff's matching (issue 23), as a property over generated image
 * pairs: `to` is built from `from` by keeping some layers (same DiffID),
 * rebuilding some (same entries, new DiffID: bytes differing only in
 * timestamps), dropping some, adding new ones, and shuffling the order.
 * The generator knows the truth; matchLayers must recover it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedPathCount, matchLayers, type DiffLayer } from '../../src/domain/layerDiff';
import type { LayerEntry } from '../../src/domain/layerEntry';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const entry = (path: string, size: number): LayerEntry =>
  ({ path, kind: 'FILE', size, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${path}:${size}` });

let serial = 0;
function layer(rand: () => number): DiffLayer {
  const id = serial++;
  const entries = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, k) => entry(`/l${id}/f${k}`, 1 + Math.floor(rand() * 1000)));
  return { diffId: `sha256:d${id}`, size: entries.reduce((s, e) => s + e.size, 0), entries };
}

describe('matchLayers', () => {
  it('recovers kept, rebuilt, removed and added layers whatever the order (200 generated pairs)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const from = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => layer(rand));
      const truth = new Map<string, string>(); // to diffId -> expected status
      const to: DiffLayer[] = [];
      let removed = 0;
      for (const l of from) {
        const r = rand();
        if (r < 0.4) { to.push(l); truth.set(l.diffId, 'SAME'); } else if (r < 0.7) {
          // Rebuilt: same entries (shuffled: tar order may differ too), new DiffID.
          const rebuilt = { ...l, diffId: `${l.diffId}-rebuilt`, entries: [...l.entries].reverse() };
          to.push(rebuilt); truth.set(rebuilt.diffId, 'CHANGED');
        } else removed++;
      }
      const added = Math.floor(rand() * 3);
      for (let k = 0; k < added; k++) { const l = layer(rand); to.push(l); truth.set(l.diffId, 'ADDED'); }
      for (let i = to.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [to[i], to[j]] = [to[j]!, to[i]!]; }

      const pairs = matchLayers(from, to);
      for (const p of pairs.filter((x) => x.to !== null)) {
        const t = to[p.to!]!;
        expect([seed, p.status]).toEqual([seed, truth.get(t.diffId)]);
        if (p.status !== 'ADDED') {
          expect(from[p.from!]!.diffId).toBe(t.diffId.replace(/-rebuilt$/, ''));
          expect(p.changedPaths).toBe(0);
        }
      }
      expect(pairs.filter((p) => p.status === 'REMOVED')).toHaveLength(removed);
      // Each layer of either image appears exactly once.
      expect(pairs.filter((p) => p.from !== null).map((p) => p.from).sort()).toEqual(from.map((_, i) => i));
      expect(pairs.filter((p) => p.to !== null).map((p) => p.to).sort()).toEqual(to.map((_, i) => i));
      const size = (ls: DiffLayer[]) => ls.reduce((s, l) => s + l.size, 0);
      expect(pairs.reduce((s, p) => s + p.sizeDelta, 0)).toBe(size(to) - size(from));
    }
  });

  it('a rebuilt layer with one file more is not matched by content (ADDED and REMOVED)', () => {
    const a: DiffLayer = { diffId: 'sha256:a', size: 10, entries: [entry('/x', 10)] };
    const b: DiffLayer = { diffId: 'sha256:b', size: 15, entries: [entry('/x', 10), entry('/y', 5)] };
    expect(matchLayers([a], [b]).map((p) => [p.status, p.sizeDelta])).toEqual([['ADDED', 15], ['REMOVED', -10]]);
  });
});

describe('layer matching: counts, order and precedence (issue 25, second pass)', () => {
  const L = (diffId: string, ...entries: LayerEntry[]): DiffLayer => ({ diffId, size: entries.reduce((s, e) => s + e.size, 0), entries });

  it('changedPathCount counts added, deleted and modified paths; a change of size, mode, kind, link target or digest modifies', () => {
    const base = entry('/a', 1);
    expect(changedPathCount([base], [base])).toBe(0);
    expect(changedPathCount([base], [{ ...base, mtime: 5 } as LayerEntry])).toBe(0);
    expect(changedPathCount([base], [{ ...base, uid: 9, gid: 9 }])).toBe(0); // owners are not part of the content key
    for (const change of [{ size: 2 }, { mode: 0o600 }, { kind: 'DIRECTORY' as const }, { linkTarget: '/t' }, { contentDigest: 'sha256:other' }]) {
      expect([change, changedPathCount([base], [{ ...base, ...change }])]).toEqual([change, 1]);
    }
    expect(changedPathCount([base, entry('/gone', 1)], [base, entry('/new', 1), entry('/new2', 1)])).toBe(3);
    expect(changedPathCount([], [entry('/x', 1)])).toBe(1);
    expect(changedPathCount([entry('/x', 1)], [])).toBe(1);
  });

  it('pairs come in `to` order, then the REMOVED layers in `from` order; ADDED and REMOVED count every entry as changed', () => {
    const [a, b, c, e] = [L('sha256:a', entry('/a', 3)), L('sha256:b', entry('/b', 4), entry('/b2', 1)), L('sha256:c', entry('/c', 2)), L('sha256:e', entry('/e', 7))];
    expect(matchLayers([c, a, b], [e, a])).toEqual([
      { from: null, to: 0, status: 'ADDED', changedPaths: 1, sizeDelta: 7 },
      { from: 1, to: 1, status: 'SAME', changedPaths: 0, sizeDelta: 0 },
      { from: 0, to: null, status: 'REMOVED', changedPaths: 1, sizeDelta: -2 },
      { from: 2, to: null, status: 'REMOVED', changedPaths: 2, sizeDelta: -5 },
    ]);
  });

  it('a DiffID match wins over a content match, and each layer pairs once (a repeated layer pairs in order)', () => {
    const a = L('sha256:a', entry('/x', 3));
    const rebuilt = { ...a, diffId: 'sha256:a-rebuilt', size: 4 };
    // `to` holds the rebuilt copy first, then a itself: a pairs by DiffID, the rebuilt copy finds no free layer.
    expect(matchLayers([a], [rebuilt, a]).map((p) => [p.from, p.to, p.status])).toEqual([[null, 0, 'ADDED'], [0, 1, 'SAME']]);
    expect(matchLayers([a, a], [a, a, a]).map((p) => [p.from, p.to, p.status])).toEqual([[0, 0, 'SAME'], [1, 1, 'SAME'], [null, 2, 'ADDED']]);
    const both = matchLayers([a, L('sha256:z', entry('/z', 1))], [rebuilt]);
    expect(both).toEqual([
      { from: 0, to: 0, status: 'CHANGED', changedPaths: 0, sizeDelta: 1 },
      { from: 1, to: null, status: 'REMOVED', changedPaths: 1, sizeDelta: -1 },
    ]);
  });

  it('a content match ignores entry order (tar order) but not duplicates of one path', () => {
    const a = L('sha256:a', entry('/x', 1), entry('/y', 2));
    expect(matchLayers([a], [{ ...a, diffId: 'sha256:b', entries: [...a.entries].reverse() }])[0]?.status).toBe('CHANGED');
    expect(matchLayers([a], [{ ...a, diffId: 'sha256:b', entries: [...a.entries, entry('/y', 2)] }]).map((p) => p.status)).toEqual(['ADDED', 'REMOVED']);
  });
});

describe('layer matching: each layer pairs once, REMOVED in numeric order (issue 25, second pass)', () => {
  const L = (diffId: string, ...entries: LayerEntry[]): DiffLayer => ({ diffId, size: entries.reduce((s, e) => s + e.size, 0), entries });

  it('a `to` layer paired by DiffID is not paired again by content', () => {
    const a = L('sha256:a', entry('/x', 3));
    const rebuiltA = { ...a, diffId: 'sha256:a-rebuilt' };
    expect(matchLayers([a, rebuiltA], [a])).toEqual([
      { from: 0, to: 0, status: 'SAME', changedPaths: 0, sizeDelta: 0 },
      { from: 1, to: null, status: 'REMOVED', changedPaths: 1, sizeDelta: -3 },
    ]);
  });

  it('twelve removed layers are listed 0, 1, 2, … 11 (numbers, not strings: 10 after 9)', () => {
    const from = Array.from({ length: 12 }, (_, i) => L(`sha256:r${i}`, entry(`/r${i}`, i + 1)));
    expect(matchLayers(from, []).map((p) => p.from)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

/**
 * A tar may hold one path twice; extracting it (tar, and Docker applying a layer) leaves the later
 * entry (docs/domain.md §2.4). Two layers with the same entries in another order are paired by
 * content (CHANGED), yet they extract differently wherever a path repeats: changedPaths counts
 * those paths. GNU tar, extracting the two archives, is the oracle for which paths differ.
 */
describe('layer matching: a repeated path in another order (GNU tar as the oracle)', () => {
  it('pairs the layers as CHANGED and counts each path whose extracted content differs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerdiff-'));
    try {
      const versions: Record<string, string[]> = { x: ['one', 'two!'], y: ['same'] };
      // Archive order of each layer: x twice (in opposite orders), y once.
      const orders = { a: [['x', 0], ['y', 0], ['x', 1]], b: [['x', 1], ['y', 0], ['x', 0]] } as const;
      const extracted: Record<string, Record<string, string>> = {};
      const layers: Record<string, DiffLayer> = {};
      for (const [name, order] of Object.entries(orders)) {
        const src = join(dir, `src-${name}`);
        const tarFile = join(dir, `${name}.tar`);
        mkdirSync(src);
        const entries: LayerEntry[] = [];
        for (const [path, v] of order) {
          const text = versions[path]![v]!;
          writeFileSync(join(src, path), text);
          execFileSync('tar', [existsSync(tarFile) ? '-rf' : '-cf', tarFile, '-C', src, path]);
          entries.push({ path: `/${path}`, kind: 'FILE', size: text.length, mode: 0o644, uid: 0, gid: 0, linkTarget: null,
            contentDigest: `sha256:${createHash('sha256').update(text).digest('hex')}` });
        }
        const out = join(dir, `out-${name}`);
        mkdirSync(out);
        execFileSync('tar', ['-xf', tarFile, '-C', out]);
        extracted[name] = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
        layers[name] = { diffId: `sha256:${createHash('sha256').update(readFileSync(tarFile)).digest('hex')}`, size: 7 + 4, entries };
      }
      const differing = Object.keys(extracted.a!).filter((f) => extracted.a![f] !== extracted.b![f]);
      expect(differing).toEqual(['x']); // the oracle: only x extracts differently (the later entry wins)
      expect(layers.a!.diffId).not.toBe(layers.b!.diffId);
      expect(matchLayers([layers.a!], [layers.b!])).toEqual([
        { from: 0, to: 0, status: 'CHANGED', changedPaths: differing.length, sizeDelta: 0 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
