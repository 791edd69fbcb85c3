import {
  decideCreate, decideFileChange, decideRemoveContainer, planContainerCommit,
} from '../../src/domain/container/decide';
import { ContainerState, foldContainer, evolveContainer } from '../../src/domain/container/state';
import { containerLookup, dockerDiff, netChanges, rwSize, virtualSize } from '../../src/domain/container/view';
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
