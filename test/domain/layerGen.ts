/** fast-check generators of small layer stacks: a tiny path alphabet so that collisions happen. */
import fc from 'fast-check';
import type { FileKind, LayerEntry } from '../../src/domain/layerEntry';

const NAMES = ['a', 'b', 'a.b', 'a-', '\u00e9', '\u{1F600}', '\uffff'];

export const pathArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...NAMES.slice(0, 4)), { minLength: 1, maxLength: 3 })
  .chain((parts) => fc.constantFrom(...NAMES).map((leaf) => `/${[...parts.slice(0, -1), parts.length % 2 ? parts.at(-1) : leaf].join('/')}`));

const KINDS: FileKind[] = ['FILE', 'FILE', 'DIRECTORY', 'DIRECTORY', 'SYMLINK', 'HARDLINK', 'WHITEOUT', 'OPAQUE_WHITEOUT', 'OTHER'];

export const entryArb: fc.Arbitrary<LayerEntry> = fc
  .record({
    path: fc.oneof({ weight: 12, arbitrary: pathArb }, { weight: 1, arbitrary: fc.constant('/') }),
    kind: fc.constantFrom(...KINDS),
    size: fc.integer({ min: 0, max: 20 }),
    mode: fc.constantFrom(0o644, 0o755, 0o600, null),
    uid: fc.constantFrom(0, 1000),
    target: pathArb,
    digest: fc.constantFrom('sha256:aa', 'sha256:bb', 'sha256:cc'),
  })
  .map(({ path, kind, size, mode, uid, target, digest }): LayerEntry => {
    const file = kind === 'FILE';
    const link = kind === 'SYMLINK' || kind === 'HARDLINK';
    return {
      path, kind, size: file ? size : 0, mode: kind === 'WHITEOUT' || kind === 'OPAQUE_WHITEOUT' ? null : mode,
      uid, gid: uid, linkTarget: link ? target : null, contentDigest: file ? digest : null,
    };
  });

export const stackArb = fc.array(fc.array(entryArb, { maxLength: 12 }), { minLength: 1, maxLength: 6 }).map((layers) =>
  layers.map((entries, i) => ({ diffId: `sha256:layer${i}`, entries })),
);

/**
 * Stacks whose directory /w grows past childMap.ts's WIDE (64) children, so
 * views switch /w to a persistent map and later layers edit it: many names in
 * /w, a few nested ones, whiteouts, opaque whiteouts and kind changes.
 */
export const widePathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 300, arbitrary: fc.integer({ min: 0, max: 99 }).map((n) => `/w/f${n}`) },
  { weight: 25, arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => `/w/f${n}/x`) },
  { weight: 1, arbitrary: fc.constant('/w') },
);

const wideEntryArb: fc.Arbitrary<LayerEntry> = fc
  .tuple(entryArb, widePathArb, widePathArb)
  .map(([e, path, target]) => ({ ...e, path, linkTarget: e.linkTarget === null ? null : target }));

export const wideStackArb = fc
  .array(fc.array(wideEntryArb, { minLength: 60, maxLength: 160 }), { minLength: 3, maxLength: 6 })
  .map((layers) => layers.map((entries, i) => ({ diffId: `sha256:wide${i}`, entries })));
