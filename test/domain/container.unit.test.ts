import {
  decideCreate, decideFileChange, decideRemoveContainer, planContainerCommit,
} from '../../src/domain/container/decide';
import { ContainerState, foldContainer, evolveContainer } from '../../src/domain/container/state';
import { containerLookup, dockerDiff, netChanges, rwSize, virtualSize } from '../../src/domain/container/view';
import { dockerRwSize } from '../../src/domain/container/dockerSize';
import { DomainError } from '../../src/domain/errors';
import type { DomainEvent } from '../../src/domain/events';
import type { FileChange } from '../../src/domain/image/fileChange';
import { planCommit } from '../../src/domain/image/commit';
import { initialImageState } from '../../src/domain/image/state';
import { initialTagState } from '../../src/domain/tag/state';
import { meta, PARENT_ID, parentState, parentView, ports } from './imageFixtures';

const lookup = (p: string) => parentView.get(p) ?? null;
const IMAGE_SIZE = 100 + 20 + 500 + 1000; // passwd + hosts + sh + libc.so
const created: DomainEvent = { type: 'ContainerCreated', data: { containerId: 'c1', imageId: PARENT_ID, name: 'web' } };

/** when: one change; then: its events, applied to the state. */
const apply = (state: ContainerState, change: FileChange) => {
  const events = decideFileChange({ type: 'ChangeContainerFile', data: { containerId: 'c1', change }, metadata: meta, ports: { lookup } }, state);
  return { events, state: events.reduce(evolveContainer, state) };
};
const summary = (events: DomainEvent[]) => events.map((e) => (e.type === 'ContainerFileChanged'
  ? [e.data.change, e.data.path, e.data.kind, e.data.size, e.data.opaque, e.data.copiedUpBytes] : [e.type]));
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as DomainError).code; } return 'none'; };

describe('container: create', () => {
  test('given an image, when create, then ContainerCreated with an empty RW layer', () => {
    expect(decideCreate({ type: 'CreateContainer', data: { containerId: 'c1', imageId: PARENT_ID, name: 'web' }, metadata: meta }, { container: foldContainer([]), image: parentState() })).toEqual([created]);
    const s = foldContainer([created]);
    expect(s).toMatchObject({ status: 'live', imageId: PARENT_ID, version: 1 });
    expect(rwSize(s)).toBe(0);
    expect(virtualSize(s, IMAGE_SIZE)).toBe(1620);
    expect(dockerDiff(s, lookup)).toEqual([]);
  });
  test('a taken id → CONFLICT; an unknown image → NOT_FOUND', () => {
    const create = { type: 'CreateContainer' as const, data: { containerId: 'c1', imageId: PARENT_ID }, metadata: meta };
    expect(code(() => decideCreate(create, { container: foldContainer([created]), image: parentState() }))).toBe('CONFLICT');
    expect(code(() => decideCreate(create, { container: foldContainer([]), image: initialImageState() }))).toBe('NOT_FOUND');
  });
});

describe('container: copy-on-write changes, docker diff, sizes, commit', () => {
  // one container through the steps below, in order; folded in beforeAll so a broken fold fails tests, not the file
  let s: ReturnType<typeof foldContainer>;
  beforeAll(() => { s = foldContainer([created]); });
  const step = (change: FileChange) => { const r = apply(s, change); s = r.state; return summary(r.events); };

  test('MODIFIED of an image file copies it up whole, once', () => {
    expect(step({ change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', size: 150 })).toEqual([['MODIFIED', '/etc/passwd', 'FILE', 150, false, 100]]);
    expect(step({ change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', size: 150 })).toEqual([['MODIFIED', '/etc/passwd', 'FILE', 150, false, 0]]);
  });
  test('ADDED under missing directories creates them first', () => {
    expect(step({ change: 'ADDED', path: '/tmp/x/y', kind: 'FILE', size: 5 })).toEqual([
      ['ADDED', '/tmp', 'DIRECTORY', 0, false, 0], ['ADDED', '/tmp/x', 'DIRECTORY', 0, false, 0], ['ADDED', '/tmp/x/y', 'FILE', 5, false, 0],
    ]);
  });
  test('DELETED writes a whiteout; re-creating the directory makes it opaque', () => {
    expect(step({ change: 'DELETED', path: '/etc/hosts' })).toEqual([['DELETED', '/etc/hosts', 'FILE', 0, false, 0]]);
    expect(step({ change: 'DELETED', path: '/usr/lib' })).toEqual([['DELETED', '/usr/lib', 'DIRECTORY', 0, false, 0]]);
    expect(step({ change: 'ADDED', path: '/usr/lib/new', kind: 'FILE', size: 3 })).toEqual([
      ['ADDED', '/usr/lib', 'DIRECTORY', 0, true, 0], ['ADDED', '/usr/lib/new', 'FILE', 3, false, 0],
    ]);
    expect(containerLookup(s, '/usr/lib/libc.so', lookup)).toBeNull();
    expect(containerLookup(s, '/etc/hosts', lookup)).toBeNull();
  });
  test('a file added then deleted in the container leaves no trace', () => {
    step({ change: 'ADDED', path: '/scratch', kind: 'FILE', size: 9 });
    step({ change: 'DELETED', path: '/scratch' });
    expect(netChanges(s, lookup).some((c) => c.path === '/scratch')).toBe(false);
  });
  test('docker diff: A/C/D, image directories holding a change reported C', () => {
    expect(dockerDiff(s, lookup).map((l) => `${l.kind} ${l.path}`)).toEqual([
      'C /etc', 'D /etc/hosts', 'C /etc/passwd', 'A /tmp', 'A /tmp/x', 'A /tmp/x/y', 'C /usr', 'C /usr/lib', 'A /usr/lib/new',
    ]);
  });
  test('size = RW bytes 150 + 5 + 3; virtual = + image 1620; copied up 100', () => {
    expect(rwSize(s)).toBe(158);
    expect(virtualSize(s, IMAGE_SIZE)).toBe(1778);
    expect(s.copiedUpBytes).toBe(100);
  });
  test('commit container = commit of its net change set', () => {
    const out = planContainerCommit({ type: 'CommitContainer', data: { containerId: 'c1', tag: 'web:snap' }, metadata: meta, ports: ports() },
      { container: s, image: parentState(), tag: initialTagState() });
    expect(out.entries.map((e) => [e.path, e.kind, e.size])).toEqual([
      ['/etc/hosts', 'WHITEOUT', 0], ['/etc/passwd', 'FILE', 150], ['/tmp', 'DIRECTORY', 0], ['/tmp/x', 'DIRECTORY', 0], ['/tmp/x/y', 'FILE', 5],
      ['/usr/lib', 'OPAQUE_WHITEOUT', 0], ['/usr/lib', 'DIRECTORY', 0], ['/usr/lib/new', 'FILE', 3],
    ]);
    expect(out.layer.size).toBe(158);
    expect(out.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'TagMoved', 'ContainerCommitted']);
    expect(out.events[3]).toEqual({ type: 'ContainerCommitted', data: { containerId: 'c1', imageId: out.imageId } });
    const direct = planCommit({ type: 'CommitImage', data: { changes: netChanges(s, lookup) }, metadata: meta, ports: ports() }, { parent: parentState(), tag: initialTagState() });
    expect(direct.layer.diffId).toBe(out.layer.diffId);
  });
});

describe('container rejections', () => {
  let live: ReturnType<typeof foldContainer>;
  beforeEach(() => { live = foldContainer([created]); });
  test.each<[string, FileChange]>([
    ['ADDED an existing path', { change: 'ADDED', path: '/etc/passwd', kind: 'FILE' }],
    ['MODIFIED a missing path', { change: 'MODIFIED', path: '/nope', kind: 'FILE' }],
    ['DELETED a missing path', { change: 'DELETED', path: '/nope' }],
    ['ADDED under a file', { change: 'ADDED', path: '/etc/passwd/x', kind: 'FILE' }],
    ['a relative path', { change: 'ADDED', path: 'x', kind: 'FILE' }],
    ['a hard link to a directory', { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc' }],
  ])('%s → BAD_USER_INPUT', (_n, change) => {
    expect(code(() => apply(live, change))).toBe('BAD_USER_INPUT');
  });
  test('changes to a missing or removed container → NOT_FOUND; remove twice → NOT_FOUND', () => {
    expect(code(() => apply(foldContainer([]), { change: 'DELETED', path: '/etc' }))).toBe('NOT_FOUND');
    const removed = decideRemoveContainer({ type: 'RemoveContainer', data: { containerId: 'c1' }, metadata: meta }, live);
    expect(removed).toEqual([{ type: 'ContainerRemoved', data: { containerId: 'c1' } }]);
    const gone = foldContainer([created, ...removed]);
    expect(code(() => apply(gone, { change: 'DELETED', path: '/etc' }))).toBe('NOT_FOUND');
    expect(code(() => decideRemoveContainer({ type: 'RemoveContainer', data: { containerId: 'c1' }, metadata: meta }, gone))).toBe('NOT_FOUND');
  });
  test('a hard link in the container resolves through a lower hard link', () => {
    const r = apply(live, { change: 'ADDED', path: '/bin/dash', kind: 'HARDLINK', linkTarget: '/bin/ash' });
    expect(r.events[0]).toMatchObject({ data: { linkTarget: '/bin/sh', kind: 'HARDLINK' } });
  });
});

describe('container rules, with the refusal each states (docs/domain.md §2, RW layer on top)', () => {
  const refusal = (f: () => unknown): [string, string, unknown] => {
    try { f(); } catch (e) { const x = e as DomainError; return [x.code, x.message, x.details]; }
    throw new Error('accepted');
  };
  const fileChange = (state: ContainerState, change: FileChange, containerId = 'c1') =>
    decideFileChange({ type: 'ChangeContainerFile', data: { containerId, change }, metadata: meta, ports: { lookup } }, state);
  const fresh = () => foldContainer([created]);
  const changedEvent = (data: Partial<Extract<DomainEvent, { type: 'ContainerFileChanged' }>['data']>): DomainEvent => ({
    type: 'ContainerFileChanged',
    data: { containerId: 'c1', change: 'ADDED', path: '/x', kind: 'FILE', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: null,
      contentDigest: null, opaque: false, copiedUpBytes: 0, ...data },
  });

  test('create: the name defaults to null; refusals name the container or the image', () => {
    const create = (imageId: string, name?: string | null) => ({ type: 'CreateContainer' as const, data: { containerId: 'c2', imageId, name }, metadata: meta });
    expect(decideCreate(create(PARENT_ID), { container: foldContainer([]), image: parentState() }))
      .toEqual([{ type: 'ContainerCreated', data: { containerId: 'c2', imageId: PARENT_ID, name: null } }]);
    expect(refusal(() => decideCreate(create(PARENT_ID), { container: fresh(), image: parentState() })))
      .toEqual(['CONFLICT', 'container c2 already exists', { containerId: 'c2' }]);
    expect(refusal(() => decideCreate(create('sha256:other'), { container: foldContainer([]), image: parentState() })))
      .toEqual(['NOT_FOUND', 'image sha256:other does not exist', { imageId: 'sha256:other' }]);
    const removedImage = { ...parentState(), status: 'removed' as const };
    expect(refusal(() => decideCreate(create(PARENT_ID), { container: foldContainer([]), image: removedImage }))[0]).toBe('NOT_FOUND');
    // a removed container's id stays taken
    const gone = foldContainer([created, { type: 'ContainerRemoved', data: { containerId: 'c1' } }]);
    expect(refusal(() => decideCreate({ ...create(PARENT_ID), data: { containerId: 'c1', imageId: PARENT_ID } }, { container: gone, image: parentState() }))[0])
      .toBe('CONFLICT');
  });

  test('a command for another container than the state is NOT_FOUND naming it', () => {
    expect(refusal(() => fileChange(fresh(), { change: 'DELETED', path: '/etc/hosts' }, 'c9')))
      .toEqual(['NOT_FOUND', 'container c9 does not exist', { containerId: 'c9' }]);
    expect(refusal(() => decideRemoveContainer({ type: 'RemoveContainer', data: { containerId: 'c9' }, metadata: meta }, fresh()))[1])
      .toBe('container c9 does not exist');
  });

  test('presence and parents: each refusal says which rule', () => {
    expect(refusal(() => fileChange(fresh(), { change: 'ADDED', path: '/etc/passwd', kind: 'FILE' })))
      .toEqual(['BAD_USER_INPUT', '/etc/passwd already exists in the container: use MODIFIED', { path: '/etc/passwd' }]);
    expect(refusal(() => fileChange(fresh(), { change: 'MODIFIED', path: '/nope', kind: 'FILE' })))
      .toEqual(['BAD_USER_INPUT', '/nope does not exist in the container', { path: '/nope' }]);
    expect(refusal(() => fileChange(fresh(), { change: 'DELETED', path: '/nope' }))[1]).toBe('/nope does not exist in the container');
    expect(refusal(() => fileChange(fresh(), { change: 'ADDED', path: '/lib/x/y', kind: 'FILE' })))
      .toEqual(['BAD_USER_INPUT', '/lib/x/y: its parent /lib is a SYMLINK, not a directory', { path: '/lib/x/y' }]);
    // a file the container wrote is a parent like any other
    const s = [changedEvent({ path: '/f', kind: 'FILE' })].reduce(evolveContainer, fresh());
    expect(refusal(() => fileChange(s, { change: 'ADDED', path: '/f/x', kind: 'FILE' }))[1]).toBe('/f/x: its parent /f is a FILE, not a directory');
    expect(refusal(() => fileChange(s, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/nope' })))
      .toEqual(['BAD_USER_INPUT', '/x: hard link target /nope is not a FILE', { path: '/x' }]);
  });

  test('a hard link may name a file the container wrote, or a hard link it wrote (resolved to that one\'s file)', () => {
    const s = [changedEvent({ path: '/f', kind: 'FILE', size: 4 }), changedEvent({ path: '/h', kind: 'HARDLINK', linkTarget: '/f', mode: 0o644 })]
      .reduce(evolveContainer, fresh());
    expect(fileChange(s, { change: 'ADDED', path: '/g', kind: 'HARDLINK', linkTarget: '/f' })[0]).toMatchObject({ data: { linkTarget: '/f' } });
    expect(fileChange(s, { change: 'ADDED', path: '/g', kind: 'HARDLINK', linkTarget: '/h' })[0]).toMatchObject({ data: { linkTarget: '/f' } });
  });

  test('DELETED records the kind only: no size, digest, link, mode or owner', () => {
    expect(fileChange(fresh(), { change: 'DELETED', path: '/bin/ash' })).toEqual([{
      type: 'ContainerFileChanged',
      data: { containerId: 'c1', change: 'DELETED', path: '/bin/ash', kind: 'HARDLINK', size: 0, mode: null, uid: null, gid: null,
        linkTarget: null, contentDigest: null, opaque: false, copiedUpBytes: 0 },
    }]);
  });

  test('copy-up costs the lower file only: not a directory, not an RW entry; MODIFIED keeps what it does not name', () => {
    expect(fileChange(fresh(), { change: 'MODIFIED', path: '/usr/lib', mode: 0o700 })).toEqual([{
      type: 'ContainerFileChanged',
      data: { containerId: 'c1', change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY', size: 0, mode: 0o700, uid: 0, gid: 0,
        linkTarget: null, contentDigest: null, opaque: false, copiedUpBytes: 0 },
    }]);
    expect(fileChange(fresh(), { change: 'MODIFIED', path: '/bin/sh', uid: 1000 })[0]).toMatchObject({
      data: { kind: 'FILE', size: 500, mode: 0o755, uid: 1000, copiedUpBytes: 500 },
    });
    expect(fileChange(fresh(), { change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY', opaque: true })[0]).toMatchObject({ data: { opaque: true } });
  });

  test('commit: the container must run on the image given; createdBy and comment reach the history', () => {
    const image = parentState();
    expect(refusal(() => planContainerCommit({ type: 'CommitContainer', data: { containerId: 'c1' }, metadata: meta, ports: ports() },
      { container: fresh(), image: initialImageState(), tag: initialTagState() })))
      .toEqual(['NOT_FOUND', `image ${PARENT_ID} does not exist`, undefined]);
    expect(refusal(() => planContainerCommit({ type: 'CommitContainer', data: { containerId: 'c2' }, metadata: meta, ports: ports() },
      { container: fresh(), image, tag: initialTagState() }))[1]).toBe('container c2 does not exist');
    const out = planContainerCommit({ type: 'CommitContainer', data: { containerId: 'c1', createdBy: 'sh -c edit', comment: 'snap' }, metadata: meta,
      ports: ports() }, { container: fresh(), image, tag: initialTagState() });
    expect(JSON.parse(out.image.config).history.at(-1)).toEqual({ created: meta.now, created_by: 'sh -c edit', comment: 'snap' });
    expect(out.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'ContainerCommitted']);
  });
});

describe('container state: how each event changes the RW layer', () => {
  const ev = (data: Partial<Extract<DomainEvent, { type: 'ContainerFileChanged' }>['data']>): DomainEvent => ({
    type: 'ContainerFileChanged',
    data: { containerId: 'c1', change: 'ADDED', path: '/x', kind: 'FILE', size: 1, mode: 0o644, uid: 0, gid: 0, linkTarget: null,
      contentDigest: null, opaque: false, copiedUpBytes: 0, ...data },
  });
  const rw = (events: DomainEvent[]) => {
    const s = foldContainer([created, ...events]);
    return [...s.rw].map(([p, r]) => (r.kind === 'whiteout' ? `${p} wh` : `${p} ${r.entry.kind}${r.opaque ? ' opaque' : ''}`)).sort();
  };
  const d1 = ev({ path: '/d', kind: 'DIRECTORY', size: 0 });
  const kids = [ev({ path: '/d/a' }), ev({ path: '/d/b/c' }), ev({ path: '/dx' })];

  test('DELETED drops the records at and below the path (not a sibling sharing its prefix) and leaves a whiteout', () => {
    expect(rw([d1, ...kids, ev({ change: 'DELETED', path: '/d', kind: 'DIRECTORY', size: 0 })])).toEqual(['/d wh', '/dx FILE']);
  });
  test('a non-directory or an opaque directory replaces the subtree; a plain directory keeps it', () => {
    expect(rw([d1, ...kids, ev({ change: 'MODIFIED', path: '/d', kind: 'FILE' })])).toEqual(['/d FILE', '/dx FILE']);
    expect(rw([d1, ...kids, ev({ change: 'MODIFIED', path: '/d', kind: 'DIRECTORY', size: 0, opaque: true })])).toEqual(['/d DIRECTORY opaque', '/dx FILE']);
    expect(rw([d1, ...kids, ev({ change: 'MODIFIED', path: '/d', kind: 'DIRECTORY', size: 0, mode: 0o700 })]))
      .toEqual(['/d DIRECTORY', '/d/a FILE', '/d/b/c FILE', '/dx FILE']);
  });
  test('the entry recorded is the event\'s; copied-up bytes add up; every event counts a version', () => {
    const s = foldContainer([created, ev({ path: '/f', size: 7, mode: 0o600, uid: 5, gid: 6, contentDigest: 'sha256:c', copiedUpBytes: 7 }),
      ev({ path: '/g', copiedUpBytes: 3 }), { type: 'ContainerCommitted', data: { containerId: 'c1', imageId: 'sha256:i' } }]);
    expect(s.rw.get('/f')).toEqual({ kind: 'entry', opaque: false,
      entry: { path: '/f', kind: 'FILE', size: 7, mode: 0o600, uid: 5, gid: 6, linkTarget: null, contentDigest: 'sha256:c' } });
    expect([s.copiedUpBytes, s.version, s.status, s.name]).toEqual([10, 4, 'live', 'web']);
    const other = evolveContainer(s, { type: 'TagMoved', data: { tag: 't', from: null, to: 'x' } });
    expect([other.version, other.rw]).toEqual([5, s.rw]);
    expect(evolveContainer(s, { type: 'ContainerRemoved', data: { containerId: 'c1' } })).toMatchObject({ status: 'removed', version: 5 });
  });
});

describe('container view: what the RW layer hides, docker diff, sizes', () => {
  const ev = (data: Partial<Extract<DomainEvent, { type: 'ContainerFileChanged' }>['data']>): DomainEvent => ({
    type: 'ContainerFileChanged',
    data: { containerId: 'c1', change: 'ADDED', path: '/x', kind: 'FILE', size: 1, mode: 0o644, uid: 0, gid: 0, linkTarget: null,
      contentDigest: null, opaque: false, copiedUpBytes: 0, ...data },
  });

  test('an RW non-directory or opaque directory hides the image below it; a plain RW directory does not', () => {
    const fileOverDir = foldContainer([created, ev({ change: 'MODIFIED', path: '/usr', kind: 'FILE' })]);
    expect(containerLookup(fileOverDir, '/usr/lib/libc.so', lookup)).toBeNull();
    const opaque = foldContainer([created, ev({ change: 'MODIFIED', path: '/usr', kind: 'DIRECTORY', size: 0, opaque: true })]);
    expect(containerLookup(opaque, '/usr/lib', lookup)).toBeNull();
    const plain = foldContainer([created, ev({ change: 'MODIFIED', path: '/usr', kind: 'DIRECTORY', size: 0, mode: 0o700 })]);
    expect(containerLookup(plain, '/usr/lib/libc.so', lookup)).toEqual({ entry: parentView.get('/usr/lib/libc.so'), inRw: false });
    expect(containerLookup(plain, '/usr', lookup)).toMatchObject({ entry: { mode: 0o700 }, inRw: true });
  });

  test('an RW entry under an RW whiteout is not seen', () => {
    const s = [ev({ path: '/etc/new' }), ev({ change: 'DELETED', path: '/etc', kind: 'DIRECTORY', size: 0 })]
      .reduce(evolveContainer, foldContainer([created]));
    const orphan = { ...s, rw: new Map([...s.rw, ['/etc/new', { kind: 'entry' as const, entry: parentView.get('/etc/passwd')!, opaque: false }]]) };
    expect(containerLookup(orphan, '/etc/new', lookup)).toBeNull();
  });

  test('net changes: an RW entry over an image path is MODIFIED with all its fields; a whiteout of a container-only path vanishes', () => {
    const s = foldContainer([created, ev({ change: 'MODIFIED', path: '/etc/hosts', size: 3, mode: 0o600, uid: 1, gid: 2, contentDigest: 'sha256:h' }),
      ev({ path: '/tmpfile' }), ev({ change: 'DELETED', path: '/tmpfile' }), ev({ change: 'DELETED', path: '/bin/sh', size: 0 })]);
    expect(netChanges(s, lookup)).toEqual([
      { change: 'DELETED', path: '/bin/sh' },
      { change: 'MODIFIED', path: '/etc/hosts', kind: 'FILE', size: 3, mode: 0o600, uid: 1, gid: 2, linkTarget: null, contentDigest: 'sha256:h', opaque: false },
    ]);
    expect(dockerDiff(s, lookup)).toEqual([
      { kind: 'C', path: '/bin' }, { kind: 'D', path: '/bin/sh' }, { kind: 'C', path: '/etc' }, { kind: 'C', path: '/etc/hosts' },
    ]);
  });

  test('sizes: only RW files count toward the RW size (not directories, links or whiteouts)', () => {
    const s = foldContainer([created, ev({ path: '/a', size: 10 }), ev({ path: '/d', kind: 'DIRECTORY', size: 0 }),
      ev({ path: '/l', kind: 'SYMLINK', size: 0, linkTarget: '/a' }), ev({ change: 'DELETED', path: '/etc/hosts', size: 0 })]);
    expect(rwSize(s)).toBe(10);
    expect(virtualSize(s, 5)).toBe(15);
  });

  test('docker ps -s: a hard link to an image file copies it up once; to an RW file it costs nothing more', () => {
    const s = foldContainer([created, ev({ path: '/h1', kind: 'HARDLINK', size: 0, linkTarget: '/bin/sh' }),
      ev({ path: '/h2', kind: 'HARDLINK', size: 0, linkTarget: '/bin/sh' }), ev({ path: '/f', size: 7 }),
      ev({ path: '/h3', kind: 'HARDLINK', size: 0, linkTarget: '/f' }), ev({ path: '/h4', kind: 'HARDLINK', size: 0, linkTarget: '/gone' }),
      ev({ change: 'DELETED', path: '/etc/hosts', size: 0 })]);
    expect(dockerRwSize(s, lookup)).toBe(500 + 7);
    const none = foldContainer([created, ev({ path: '/h', kind: 'HARDLINK', size: 0, linkTarget: null })]);
    expect(dockerRwSize(none, lookup)).toBe(0);
  });
});

describe('container: survivors of the group-B mutation run', () => {
  const change = (state: ContainerState, c: FileChange) =>
    decideFileChange({ type: 'ChangeContainerFile', data: { containerId: 'c1', change: c }, metadata: meta, ports: { lookup } }, state);
  const run = (changes: FileChange[]) => changes.reduce((s, c) => change(s, c).reduce(evolveContainer, s), foldContainer([created]));

  test('a directory ADDED where the RW layer holds a whiteout is opaque (the old contents stay hidden); a file there is not', () => {
    const s = run([{ change: 'DELETED', path: '/usr/lib' }, { change: 'DELETED', path: '/etc/hosts' }]);
    expect(change(s, { change: 'ADDED', path: '/usr/lib', kind: 'DIRECTORY' })[0]).toMatchObject({ data: { path: '/usr/lib', kind: 'DIRECTORY', opaque: true } });
    expect(change(s, { change: 'ADDED', path: '/etc/hosts', kind: 'FILE' })[0]).toMatchObject({ data: { path: '/etc/hosts', kind: 'FILE', opaque: false } });
    expect(change(s, { change: 'ADDED', path: '/srv', kind: 'DIRECTORY' })[0]).toMatchObject({ data: { opaque: false } });
  });

  test('docker ps -s: a hard link to an image file the container then modified costs the modified size', () => {
    const s = run([
      { change: 'ADDED', path: '/h', kind: 'HARDLINK', linkTarget: '/etc/passwd' },
      { change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', size: 150 },
    ]);
    expect(dockerRwSize(s, lookup)).toBe(150);
  });
});
