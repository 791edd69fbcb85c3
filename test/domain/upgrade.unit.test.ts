import { DomainError } from '../../src/domain/errors';
import type { DomainEvent } from '../../src/domain/events';
import type { LayerEntry } from '../../src/domain/layerEntry';
import { foldImage, ImageState, initialImageState } from '../../src/domain/image/state';
import { compareLayers, planUpgrade, UpgradeData, UpgradeImage, UpgradePorts, UpgradeState } from '../../src/domain/image/upgrade';
import { storageReport } from '../../src/domain/storage';
import { foldTag, TagState } from '../../src/domain/tag/state';
import { chains, d, sha256Hex } from './domainTestKit';
import { committed, meta, NOW, ports } from './imageFixtures';

/** old base [a], new base [n] (two history entries), app [a, b, c] built FROM the old base, tagged app:1. */
const cfg = (diffIds: string[], history: object[]) => JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['run'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history });
const imageOf = (diffIds: string[], history: object[], extra = {}): ImageState => {
  const config = cfg(diffIds, history);
  return foldImage([{ type: 'ImageCommitted', data: committed(`sha256:${sha256Hex(config)}`, config, diffIds, extra) }]);
};
const [A, B, C, N] = [d('a'), d('b'), d('c'), d('n')] as [string, string, string, string];
// Folded per test (beforeEach), not when the file loads: a broken fold fails tests, not the file.
let oldBase: ImageState;
let newBase: ImageState;
let app: ImageState;
let appId: string;
let tag: TagState;
beforeEach(() => {
  oldBase = imageOf([A], [{ created_by: 'ADD alpine 3.19' }]);
  newBase = imageOf([N], [{ created_by: 'ADD alpine 3.20' }, { created_by: 'CMD sh', empty_layer: true }], { manifestDigest: 'sha256:' + 'f'.repeat(64) });
  app = imageOf([A, B, C], [{ created_by: 'ADD alpine 3.19' }, { created_by: 'COPY certs' }, { created_by: 'RUN build' }]);
  appId = app.imageId as string;
  tag = foldTag([{ type: 'TagMoved', data: { tag: 'app:1', from: null, to: appId } }]);
});

const entry = (path: string, kind: LayerEntry['kind']): LayerEntry => ({ path, kind, size: kind === 'FILE' ? 1 : 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null });
const OWN: Record<string, LayerEntry[]> = {
  [B]: [entry('/etc/ssl', 'OPAQUE_WHITEOUT'), entry('/etc/ssl', 'DIRECTORY'), entry('/etc/ssl/own.pem', 'FILE'), entry('/opt', 'FILE')],
  [C]: [entry('/usr/lib/libssl.so', 'FILE'), entry('/usr/lib/gone', 'WHITEOUT')],
};
const upgradePorts = (extra: Partial<UpgradePorts> = {}): UpgradePorts => ({
  ...ports({ lookup: (p) => (p === '/etc' ? entry('/etc', 'DIRECTORY') : null) }),
  changedBetweenBases: () => ['/etc/os-release', '/etc/ssl/cert.pem', '/usr/lib/libssl.so', '/bin/sh', '/opt/x', '/usr/lib/gone/x', '/etc/ssl'],
  entriesOf: (diffId) => OWN[diffId] ?? [],
  ...extra,
});
const cmd = (data: Partial<UpgradeData>, p = upgradePorts()): UpgradeImage => ({ type: 'UpgradeImage', data: { tag: 'app:1', ...data }, metadata: meta, ports: p });
const given = (extra: Partial<UpgradeState> = {}): UpgradeState => ({ tag, current: app, oldBase, newBase, ...extra });

describe('upgrade (b): rebase onto a newer base', () => {
  let out: ReturnType<typeof planUpgrade>;
  beforeEach(() => { out = planUpgrade(cmd({ onto: 'alpine:3.20', createdBy: 'strata upgrade --onto alpine:3.20', expectedVersion: 1 }), given()); });

  test('the own layers [b, c] go on top of the new base [n]', () => {
    expect(out.image.layers.map((l) => l.diffId)).toEqual([N, B, C]);
    expect(out.previousImageId).toBe(appId);
    expect(out.image).toMatchObject({ source: 'upgrade', parentImageId: newBase.imageId, baseName: 'alpine:3.20', baseDigest: 'sha256:' + 'f'.repeat(64), created: NOW });
  });

  test('config: new base history, then the image history after the old base, then the note', () => {
    const c = JSON.parse(out.image.config);
    expect(out.imageId).toBe(`sha256:${sha256Hex(out.image.config)}`);
    expect(c.rootfs.diff_ids).toEqual([N, B, C]);
    expect(c.config).toEqual({ Cmd: ['run'] });
    expect(c.history.map((h: { created_by: string }) => h.created_by)).toEqual(['ADD alpine 3.20', 'CMD sh', 'COPY certs', 'RUN build', 'strata upgrade --onto alpine:3.20']);
    expect(out.image.history.map((h) => h.layerIndex)).toEqual([0, null, 1, 2, null]);
  });

  test('shared by DiffID with the previous version: b and c; new: n', () => {
    expect(out.sharedLayers).toEqual([{ index: 1, diffId: B }, { index: 2, diffId: C }]);
    expect(out.newLayers).toEqual([{ index: 0, diffId: N }]);
  });

  test('same DiffIDs, new ChainIDs: shared by DiffID, not by ChainID', () => {
    const layersOf = (diffIds: string[]) => diffIds.map((diffId, i) => ({ diffId, chainId: chains(diffIds)[i] as string, size: 10 }));
    const images = [{ imageId: 'before', layers: layersOf([A, B, C]) }, { imageId: 'after', layers: layersOf([N, B, C]) }];
    expect(storageReport('DIFF_ID', images).sharedLayerCount).toBe(2);
    expect(storageReport('CHAIN_ID', images).sharedLayerCount).toBe(0);
  });

  test('shadowed: base changes the own layers hide (opaque dir, exact path, file over dir, whiteout)', () => {
    expect(out.shadowedPaths).toEqual(['/etc/ssl', '/etc/ssl/cert.pem', '/opt/x', '/usr/lib/gone/x', '/usr/lib/libssl.so']);
  });

  test('events: ImageCommitted and TagMoved, no layer is new', () => {
    expect(out.events.map((e: DomainEvent) => e.type)).toEqual(['ImageCommitted', 'TagMoved']);
    expect(out.events[1]).toEqual({ type: 'TagMoved', data: { tag: 'app:1', from: appId, to: out.imageId } });
  });
});

describe('upgrade (a): a new layer on top', () => {
  test('all previous layers shared, the new one new; the tag moves', () => {
    const out = planUpgrade(cmd({ changes: [{ change: 'ADDED', path: '/etc/motd', kind: 'FILE', size: 5 }] }), given({ oldBase: undefined, newBase: undefined }));
    expect(out.sharedLayers.map((l) => l.index)).toEqual([0, 1, 2]);
    expect(out.newLayers).toEqual([{ index: 3, diffId: out.image.layers[3]?.diffId }]);
    expect(out.entries.map((e) => e.path)).toEqual(['/etc/motd']);
    expect(out.image).toMatchObject({ source: 'upgrade', parentImageId: appId });
    expect(out.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'TagMoved']);
    expect(out.shadowedPaths).toEqual([]);
  });
});

describe('upgrade rejections', () => {
  const code = (data: Partial<UpgradeData>, state = given()) => {
    try { planUpgrade(cmd(data), state); } catch (e) { return (e as DomainError).code; }
    return 'none';
  };
  test('neither or both of changes / onto → BAD_USER_INPUT', () => {
    expect(code({})).toBe('BAD_USER_INPUT');
    expect(code({ changes: [], onto: 'alpine:3.20' })).toBe('BAD_USER_INPUT');
  });
  test('unknown tag, removed image, missing bases → NOT_FOUND', () => {
    expect(code({ onto: 'x' }, given({ tag: foldTag([]) }))).toBe('NOT_FOUND');
    expect(code({ onto: 'x' }, given({ current: { ...app, status: 'removed' } }))).toBe('NOT_FOUND');
    expect(code({ onto: 'x' }, given({ newBase: initialImageState() }))).toBe('NOT_FOUND');
    expect(code({ onto: 'x' }, given({ oldBase: undefined }))).toBe('NOT_FOUND');
  });
  test('stale expectedVersion → CONFLICT', () => {
    expect(code({ onto: 'x', expectedVersion: 0 })).toBe('CONFLICT');
  });
  test('an old base that is not a base of the image, or the same base again → BAD_USER_INPUT', () => {
    expect(code({ onto: 'x' }, given({ oldBase: newBase }))).toBe('BAD_USER_INPUT');
    expect(code({ onto: 'x' }, given({ newBase: oldBase }))).toBe('BAD_USER_INPUT');
  });
});

describe('upgrade rules, with the refusal each states', () => {
  const refusal = (data: Partial<UpgradeData>, state = given(), p = upgradePorts()): [string, string, unknown] => {
    try { planUpgrade(cmd(data, p), state); } catch (e) { const x = e as DomainError; return [x.code, x.message, x.details]; }
    throw new Error('accepted');
  };
  test('exactly one of changes / onto; null counts as absent; an empty change set is a change set', () => {
    const msg = 'upgrade needs exactly one of changes (a new layer) or onto (a new base)';
    expect(refusal({ changes: null, onto: null })).toEqual(['BAD_USER_INPUT', msg, undefined]);
    expect(refusal({ changes: [], onto: 'x' })[1]).toBe(msg);
    const out = planUpgrade(cmd({ changes: [], onto: null }), given());
    expect(out.image.layers.length).toBe(4);
  });
  test('the tag, its image and both bases must exist; each refusal names which', () => {
    expect(refusal({ onto: 'x' }, given({ tag: foldTag([]) }))).toEqual(['NOT_FOUND', 'tag app:1 does not exist', { tag: 'app:1' }]);
    expect(refusal({ onto: 'x' }, given({ current: initialImageState() }))).toEqual(['NOT_FOUND', 'the image of tag app:1 does not exist', undefined]);
    expect(refusal({ onto: 'x' }, given({ oldBase: { ...oldBase, status: 'removed' } }))[1]).toBe('the old base image does not exist');
    expect(refusal({ onto: 'x' }, given({ oldBase: { ...oldBase, imageId: null } }))[1]).toBe('the old base image does not exist');
    expect(refusal({ onto: 'alpine:3.20' }, given({ newBase: undefined }))).toEqual(['NOT_FOUND', 'the new base alpine:3.20 does not exist', undefined]);
    expect(refusal({ onto: 'x' }, given({ newBase: { ...newBase, status: 'removed' } }))[1]).toBe('the new base x does not exist');
    expect(refusal({ onto: 'x' }, given({ newBase: { ...newBase, imageId: null } }))[1]).toBe('the new base x does not exist');
  });
  test('the old base must be a prefix of the image, and another image than the new base', () => {
    expect(refusal({ onto: 'x' }, given({ oldBase: newBase })))
      .toEqual(['BAD_USER_INPUT', `image ${appId} is not built on ${newBase.imageId}: its layers do not start with the old base's`, undefined]);
    const longer = imageOf([A, B, C, N], [{ created_by: 'x' }]);
    expect(refusal({ onto: 'x' }, given({ oldBase: longer }))[1]).toBe(`image ${appId} is not built on ${longer.imageId}: its layers do not start with the old base's`);
    const ab = imageOf([A, B], [{ created_by: 'ADD alpine 3.19' }, { created_by: 'COPY certs' }]);
    expect(refusal({ onto: 'x' }, given({ oldBase: ab, newBase: ab }))).toEqual(['BAD_USER_INPUT', `the image is already based on ${ab.imageId}`, undefined]);
    // the whole image as its own old base: no own layers left, still a valid rebase
    expect(planUpgrade(cmd({ onto: 'x' }), given({ oldBase: app })).image.layers.map((l) => l.diffId)).toEqual([N]);
  });
  test('rebase: the own layers\' entries are read (not the old base\'s); no createdBy, no note; no base digest known, null', () => {
    const asked: string[] = [];
    const bare = imageOf([N], [{ created_by: 'ADD alpine 3.20' }]);
    const out = planUpgrade(cmd({ onto: 'alpine:3.20' }, upgradePorts({ entriesOf: (id) => { asked.push(id); return OWN[id] ?? []; } })), given({ newBase: bare }));
    expect(asked).toEqual([B, C]);
    expect(JSON.parse(out.image.config).history.map((h: { created_by: string }) => h.created_by)).toEqual(['ADD alpine 3.20', 'COPY certs', 'RUN build']);
    expect(out.image.baseDigest).toBeNull();
    expect(out.entries).toEqual([]);
  });
  test('rebase: manifestOf sees the new config and layers; an image already known is not committed again; the tag still moves', () => {
    const seen: unknown[] = [];
    const out = planUpgrade(cmd({ onto: 'x' }, upgradePorts({ manifestOf: (c, l) => { seen.push([c, l.map((x) => x.diffId)]); return d('m'); },
      isImageKnown: () => true })), given());
    expect(seen).toEqual([[out.image.config, [N, B, C]]]);
    expect(out.image.manifestDigest).toBe(d('m'));
    expect(out.events).toEqual([{ type: 'TagMoved', data: { tag: 'app:1', from: appId, to: out.imageId } }]);
  });
  test('a new layer: createdBy reaches the history; the tag is normalized; expectedVersion null skips the check', () => {
    const out = planUpgrade(cmd({ tag: 'docker.io/library/app:1', changes: [], createdBy: 'patch', expectedVersion: null }), given());
    expect(JSON.parse(out.image.config).history.at(-1)).toEqual({ created: NOW, created_by: 'patch' });
    expect(out.events.at(-1)).toEqual({ type: 'TagMoved', data: { tag: 'app:1', from: appId, to: out.imageId } });
    expect(out.previousImageId).toBe(appId);
  });
});

describe('compareLayers (by DiffID, with the new image\'s indexes)', () => {
  const ref = (diffId: string) => ({ diffId, digest: null, mediaType: null, compressedSize: null });
  test('shared are those the previous image has anywhere; the rest are new', () => {
    expect(compareLayers([ref(A), ref(B)], [ref(B), ref(N), ref(A)])).toEqual({
      sharedLayers: [{ index: 0, diffId: B }, { index: 2, diffId: A }], newLayers: [{ index: 1, diffId: N }],
    });
    expect(compareLayers([], [ref(A)])).toEqual({ sharedLayers: [], newLayers: [{ index: 0, diffId: A }] });
  });
});

describe('upgrade: survivors of the group-B mutation run', () => {
  test('an old base that shares only some of its layers with the image is no prefix', () => {
    const partly = imageOf([A, N], [{ created_by: 'x' }]);
    expect(() => planUpgrade(cmd({ onto: 'x' }), given({ oldBase: partly }))).toThrow(`image ${appId} is not built on ${partly.imageId}`);
  });
  test('the rebased image reads architecture and os from its config; a non-string reads as null', () => {
    expect(planUpgrade(cmd({ onto: 'x' }), given()).image).toMatchObject({ architecture: 'amd64', os: 'linux' });
    const config = JSON.stringify({ architecture: 7, os: 'linux', rootfs: { type: 'layers', diff_ids: [A, B, C] }, history: [] });
    const odd = foldImage([{ type: 'ImageCommitted', data: committed(`sha256:${sha256Hex(config)}`, config, [A, B, C]) }]);
    const t = foldTag([{ type: 'TagMoved', data: { tag: 'app:1', from: null, to: odd.imageId as string } }]);
    expect(planUpgrade(cmd({ onto: 'x' }), given({ current: odd, tag: t })).image).toMatchObject({ architecture: null, os: 'linux' });
  });
});

describe('rebased config (imageConfig.ts): survivors of the group-B mutation run', () => {
  test('the note is one empty_layer entry; without createdBy there is none (strictly: no extra item)', () => {
    const withNote = JSON.parse(planUpgrade(cmd({ onto: 'x', createdBy: 'note' }), given()).image.config);
    expect(withNote.history.at(-1)).toStrictEqual({ created: NOW, created_by: 'note', empty_layer: true });
    expect(withNote.rootfs).toStrictEqual({ type: 'layers', diff_ids: [N, B, C] });
    const without = JSON.parse(planUpgrade(cmd({ onto: 'x' }), given()).image.config);
    expect(without.history).toStrictEqual([{ created_by: 'ADD alpine 3.20' }, { created_by: 'CMD sh', empty_layer: true },
      { created_by: 'COPY certs' }, { created_by: 'RUN build' }]);
  });
  test('a base config without rootfs contributes no DiffIDs', () => {
    const bare = foldImage([{ type: 'ImageCommitted', data: committed(`sha256:${sha256Hex('{}')}`, '{}', [N]) }]);
    const c = JSON.parse(planUpgrade(cmd({ onto: 'x' }), given({ newBase: bare })).image.config);
    expect(c.rootfs).toStrictEqual({ type: 'layers', diff_ids: [B, C] });
  });
  test('a config that is not a JSON object is refused naming whose it is', () => {
    const broken = (img: ImageState) => ({ ...img, config: '[]' });
    const message = (state: UpgradeState) => { try { planUpgrade(cmd({ onto: 'x' }), state); } catch (e) { return (e as Error).message; } return 'accepted'; };
    expect(message(given({ current: broken(app) }))).toBe('image: the image config is not a JSON object');
    expect(message(given({ oldBase: broken(oldBase) }))).toBe('old base: the image config is not a JSON object');
    expect(message(given({ newBase: broken(newBase) }))).toBe('new base: the image config is not a JSON object');
  });
});

