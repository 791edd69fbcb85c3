import { EMPTY_LAYER_DIFF_ID } from '../../src/domain/digest';
import { DomainError } from '../../src/domain/errors';
import type { FileChange } from '../../src/domain/image/fileChange';
import { CommitData, CommitImage, CommitState, decideCommit, planCommit } from '../../src/domain/image/commit';
import { evolveImage, foldImage, initialImageState } from '../../src/domain/image/state';
import { shadowedPaths } from '../../src/domain/image/shadowedPaths';
import type { LayerEntry } from '../../src/domain/layerEntry';
import { initialTagState, TagState } from '../../src/domain/tag/state';
import { d, sha256Hex } from './domainTestKit';
import { entriesDigest, meta, NOW, PARENT_DIFF_IDS, PARENT_ID, parentState, ports } from './imageFixtures';

const cmd = (data: CommitData, p = ports()): CommitImage => ({ type: 'CommitImage', data, metadata: meta, ports: p });
const given = (tag: TagState = initialTagState()): CommitState => ({ parent: parentState(), tag });
const failsWith = (code: string, data: CommitData, state = given(), p = ports()) => {
  let err: unknown;
  try { decideCommit(cmd(data, p), state); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  return err as DomainError;
};

const app: FileChange = { change: 'ADDED', path: '/app/main.js', kind: 'FILE', size: 10, contentDigest: d('main') };
const passwd: FileChange = { change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', size: 120 };
const hosts: FileChange = { change: 'DELETED', path: '/etc/hosts' };

describe('commit: given a parent, when a change set is committed, then a layer and an image', () => {
  let out: ReturnType<typeof planCommit>;
  beforeEach(() => { out = planCommit(cmd({ changes: [hosts, app, passwd], tag: 'myapp', createdBy: 'edit config' }), given()); });

  test('entries: implied parent dir, whiteout for DELETED, copied-up file; sorted by path', () => {
    expect(out.entries.map((e) => [e.path, e.kind, e.size])).toEqual([
      ['/app', 'DIRECTORY', 0],
      ['/app/main.js', 'FILE', 10],
      ['/etc/hosts', 'WHITEOUT', 0],
      ['/etc/passwd', 'FILE', 120],
    ]);
    expect(out.entries[0]).toMatchObject({ mode: 0o755, uid: 0, gid: 0 });
    expect(out.entries[1]).toMatchObject({ mode: 0o644, contentDigest: d('main') });
    // size given, no digest: the lower content digest is not inherited (content changed)
    expect(out.entries[3]).toMatchObject({ mode: 0o644, contentDigest: null });
  });

  test('layer: DiffID = entriesDigest of the entries; size 130; 3 non-marker entries', () => {
    expect(out.layer).toEqual({
      diffId: entriesDigest(out.entries), digest: null, mediaType: null, compressedSize: null,
      size: 130, fileCount: 3, entriesDigest: entriesDigest(out.entries),
    });
    expect(out.layerIndex).toBe(2);
  });

  test('image: config extends the parent; imageId = sha256(config); history gains created_by', () => {
    const cfg = JSON.parse(out.image.config);
    expect(out.imageId).toBe(`sha256:${sha256Hex(out.image.config)}`);
    expect(cfg.rootfs).toEqual({ type: 'layers', diff_ids: [...PARENT_DIFF_IDS, out.layer.diffId] });
    expect(cfg.history.at(-1)).toEqual({ created: NOW, created_by: 'edit config' });
    expect(cfg.config).toEqual({ Env: ['PATH=/bin'] });
    expect(cfg.created).toBe(NOW);
    expect(out.image).toMatchObject({ source: 'commit', parentImageId: PARENT_ID, architecture: 'arm64', os: 'linux', created: NOW });
    expect(out.image.layers.map((l) => l.diffId)).toEqual([...PARENT_DIFF_IDS, out.layer.diffId]);
    expect(out.image.history.map((h) => [h.createdBy, h.layerIndex])).toEqual([
      ['ADD rootfs', 0], ['CMD sh', null], ['RUN apk add', 1], ['edit config', 2],
    ]);
  });

  test('events: LayerCommitted, ImageCommitted, TagMoved (normalized tag)', () => {
    expect(out.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted', 'TagMoved']);
    expect(out.events[2]).toEqual({ type: 'TagMoved', data: { tag: 'myapp:latest', from: null, to: out.imageId } });
  });

  test('deterministic: the same change set in any order gives the same DiffID; another time a new image ID', () => {
    const again = planCommit({ ...cmd({ changes: [passwd, app, hosts] }), metadata: { now: '2025-01-01T00:00:00Z', actor: null } }, given());
    expect(again.layer.diffId).toBe(out.layer.diffId);
    expect(again.imageId).not.toBe(out.imageId);
  });

  test('known layer and image: nothing appended but the tag move', () => {
    const events = decideCommit(cmd({ changes: [app], tag: 'myapp' }, ports({ isLayerKnown: () => true, isImageKnown: () => true })), given());
    expect(events.map((e) => e.type)).toEqual(['TagMoved']);
  });

  test('tag already there at the expected version: no TagMoved', () => {
    const first = planCommit(cmd({ changes: [app] }), given());
    const events = decideCommit(cmd({ changes: [app], tag: 'myapp', expectedVersion: 3 }), given({ tag: 'myapp:latest', imageId: first.imageId, version: 3 }));
    expect(events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted']);
  });
});

describe('commit: copy-up, opaque directories, links, the empty layer', () => {
  test('a chmod copies the whole lower file up (full size, digest kept)', () => {
    const out = planCommit(cmd({ changes: [{ change: 'MODIFIED', path: '/bin/sh', kind: 'FILE', mode: 0o700 }] }), given());
    expect(out.entries).toEqual([{ path: '/bin/sh', kind: 'FILE', size: 500, mode: 0o700, uid: 0, gid: 0, linkTarget: null, contentDigest: d('/bin/sh') }]);
    expect(out.layer.size).toBe(500);
  });

  test('opaque: the opaque whiteout precedes the directory; lower children count as absent', () => {
    const out = planCommit(cmd({ changes: [
      { change: 'ADDED', path: '/usr/lib/libc.so', kind: 'FILE', size: 7 },
      { change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY', opaque: true },
    ] }), given());
    expect(out.entries.map((e) => [e.path, e.kind])).toEqual([
      ['/usr/lib', 'OPAQUE_WHITEOUT'], ['/usr/lib', 'DIRECTORY'], ['/usr/lib/libc.so', 'FILE'],
    ]);
    expect(out.layer.fileCount).toBe(2);
  });

  test('hard links: to a lower file, to a file of the same set, through a lower hard link', () => {
    const out = planCommit(cmd({ changes: [
      { change: 'ADDED', path: '/bin/dash', kind: 'HARDLINK', linkTarget: '/bin/ash' },
      { change: 'ADDED', path: '/opt/a', kind: 'FILE', size: 3 },
      { change: 'ADDED', path: '/opt/b', kind: 'HARDLINK', linkTarget: '/opt/a' },
      { change: 'ADDED', path: '/sbin', kind: 'SYMLINK', linkTarget: 'bin' },
    ] }), given());
    // /bin/sh, the parent's file the link resolves to, is copied up so the layer holds its link's target.
    expect(out.entries.map((e) => [e.path, e.kind, e.size, e.linkTarget])).toEqual([
      ['/bin/dash', 'HARDLINK', 0, '/bin/sh'], ['/bin/sh', 'FILE', 500, null], ['/opt', 'DIRECTORY', 0, null],
      ['/opt/a', 'FILE', 3, null], ['/opt/b', 'HARDLINK', 0, '/opt/a'], ['/sbin', 'SYMLINK', 0, 'bin'],
    ]);
  });

  test('replacing a file by a directory, and a directory by a file', () => {
    const out = planCommit(cmd({ changes: [
      { change: 'MODIFIED', path: '/etc/hosts', kind: 'DIRECTORY' },
      { change: 'ADDED', path: '/etc/hosts/a', kind: 'FILE', size: 1 },
      { change: 'MODIFIED', path: '/usr/lib', kind: 'FILE', size: 2 },
    ] }), given());
    expect(out.entries.map((e) => [e.path, e.kind, e.size])).toEqual([
      ['/etc/hosts', 'DIRECTORY', 0], ['/etc/hosts/a', 'FILE', 1], ['/usr/lib', 'FILE', 2],
    ]);
  });

  test('an empty change set is the empty tar layer', () => {
    const out = planCommit(cmd({ changes: [] }), given());
    expect(out.layer).toMatchObject({ diffId: EMPTY_LAYER_DIFF_ID, size: 0, fileCount: 0 });
  });

  test('paths are normalized ("//" and a trailing "/")', () => {
    const out = planCommit(cmd({ changes: [{ change: 'ADDED', path: '//srv//data/', kind: 'DIRECTORY' }] }), given());
    expect(out.entries.map((e) => e.path)).toEqual(['/srv', '/srv/data']);
  });
});

describe('commit rejections', () => {
  const bad = (changes: FileChange[]) => failsWith('BAD_USER_INPUT', { changes });
  test.each<[string, FileChange[], RegExp]>([
    ['relative path', [{ change: 'ADDED', path: 'etc/x', kind: 'FILE' }], /must be an absolute path/],
    ['".." component', [{ change: 'ADDED', path: '/etc/../x', kind: 'FILE' }], /must not contain \"\.\" or \"\.\.\" components/],
    ['"." component', [{ change: 'ADDED', path: '/etc/./x', kind: 'FILE' }], /must not contain \"\.\" or \"\.\.\" components/],
    ['the root', [{ change: 'MODIFIED', path: '/', kind: 'DIRECTORY' }], /names the root directory/],
    ['a whiteout name', [{ change: 'ADDED', path: '/etc/.wh.x', kind: 'FILE' }], /reserved for whiteouts/],
    ['ADDED without kind', [{ change: 'ADDED', path: '/x' }], /needs kind FILE, DIRECTORY, SYMLINK or HARDLINK \(got none\)/],
    ['ADDED a WHITEOUT', [{ change: 'ADDED', path: '/x', kind: 'WHITEOUT' }], /needs kind .*\(got WHITEOUT\)/],
    ['ADDED an OTHER', [{ change: 'ADDED', path: '/x', kind: 'OTHER' }], /needs kind .*\(got OTHER\)/],
    ['ADDED an existing path', [{ change: 'ADDED', path: '/etc/passwd', kind: 'FILE' }], /already exists in the parent image: use MODIFIED/],
    ['MODIFIED a missing path', [{ change: 'MODIFIED', path: '/nope', kind: 'FILE' }], /does not exist in the parent image: use ADDED/],
    ['DELETED a missing path', [{ change: 'DELETED', path: '/nope' }], /does not exist in the parent image, so it cannot be DELETED/],
    ['DELETED under a symlink', [{ change: 'DELETED', path: '/lib/libc.so' }], /its parent \/lib is a SYMLINK, not a directory/],
    ['the same path twice', [{ change: 'ADDED', path: '/x', kind: 'FILE' }, { change: 'ADDED', path: '/x/', kind: 'FILE' }], /\/x appears twice in the change set/],
    ['delete a dir and add under it', [{ change: 'DELETED', path: '/usr/lib' }, { change: 'ADDED', path: '/usr/lib/x', kind: 'FILE' }], /its parent \/usr\/lib is DELETED in the same change set/],
    ['delete a dir and a file in it', [{ change: 'DELETED', path: '/etc' }, { change: 'DELETED', path: '/etc/hosts' }], /its parent \/etc is DELETED in the same change set/],
    ['DELETED under an opaque dir of the same set', [{ change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY', opaque: true }, { change: 'DELETED', path: '/usr/lib/libc.so' }], /cannot be DELETED/],
    ['add under a lower file', [{ change: 'ADDED', path: '/etc/passwd/x', kind: 'FILE' }], /its parent \/etc\/passwd is a FILE, not a directory/],
    ['add under a lower symlink', [{ change: 'ADDED', path: '/lib/x', kind: 'FILE' }], /its parent \/lib is a SYMLINK, not a directory/],
    ['add under a path the set makes a file', [{ change: 'ADDED', path: '/new', kind: 'FILE' }, { change: 'ADDED', path: '/new/x', kind: 'FILE' }], /its parent \/new becomes a FILE/],
    ['negative size', [{ change: 'ADDED', path: '/x', kind: 'FILE', size: -1 }], /size must be an integer between 0 and/],
    ['a directory with a size', [{ change: 'ADDED', path: '/x', kind: 'DIRECTORY', size: 5 }], /only a FILE has a size above 0 \(got DIRECTORY\)/],
    ['a bad content digest', [{ change: 'ADDED', path: '/x', kind: 'FILE', contentDigest: 'md5:abc' }], /contentDigest/],
    ['a symlink without target', [{ change: 'ADDED', path: '/x', kind: 'SYMLINK' }], /a SYMLINK needs a linkTarget/],
    ['a file with a link target', [{ change: 'ADDED', path: '/x', kind: 'FILE', linkTarget: '/etc' }], /only links have a linkTarget/],
    ['a hard link to nothing', [{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/nope' }], /hard link target \/nope is not a FILE of the image/],
    ['a hard link to a directory', [{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc' }], /hard link target \/etc is not a FILE of the image/],
    ['a hard link to a file the set deletes', [{ change: 'DELETED', path: '/etc/hosts' }, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/hosts' }], /hard link target \/etc\/hosts is not a FILE after this change set/],
    ['a hard link to a directory the set writes', [{ change: 'ADDED', path: '/newdir', kind: 'DIRECTORY' }, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/newdir' }], /hard link target \/newdir is not a FILE after this change set/],
    ['a hard link to a symlink the set writes', [{ change: 'ADDED', path: '/sl', kind: 'SYMLINK', linkTarget: '/etc' }, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/sl' }], /hard link target \/sl is not a FILE after this change set/],
    ['opaque on DELETED', [{ change: 'DELETED', path: '/etc', opaque: true }], /opaque does not apply to DELETED/],
    ['opaque on a file', [{ change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', opaque: true }], /opaque applies to a DIRECTORY only/],
    ['mode out of range', [{ change: 'ADDED', path: '/x', kind: 'FILE', mode: 0o170000 }], /mode must be an integer between 0 and/],
    ['an unknown change', [{ change: 'RENAMED' as 'ADDED', path: '/x', kind: 'FILE' }], /change must be ADDED, MODIFIED or DELETED \(got RENAMED\)/],
  ])('%s → BAD_USER_INPUT naming the rule', (_name, changes, rule) => {
    expect(bad(changes).message).toMatch(rule);
  });

  test('a hard link straight to a FILE of the parent image is accepted and reports that file', () => {
    const out = planCommit(cmd({ changes: [{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/passwd' }] }), given());
    expect(out.entries.find((e) => e.path === '/x')).toMatchObject({ kind: 'HARDLINK', linkTarget: '/etc/passwd' });
  });

  test('the parent file a hard link names is copied up whole into the layer, once, unless the set writes it itself', () => {
    const passwd = ports().lookup('/etc/passwd')!;
    const out = planCommit(cmd({ changes: [
      { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/passwd' },
      { change: 'ADDED', path: '/y', kind: 'HARDLINK', linkTarget: '/etc/passwd' },
    ] }), given());
    expect(out.entries.filter((e) => e.path === '/etc/passwd')).toEqual([{ ...passwd, path: '/etc/passwd' }]);
    expect(out.entries.map((e) => e.path)).toEqual(['/etc/passwd', '/x', '/y']);
    const own = planCommit(cmd({ changes: [
      { change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', size: 4 },
      { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/passwd' },
    ] }), given());
    expect(own.entries.filter((e) => e.path === '/etc/passwd').map((e) => e.size)).toEqual([4]);
  });

  test('the messages say what to do', () => {
    expect(bad([{ change: 'ADDED', path: '/etc/passwd', kind: 'FILE' }]).message).toMatch(/use MODIFIED/);
    expect(bad([{ change: 'MODIFIED', path: '/nope', kind: 'FILE' }]).message).toMatch(/use ADDED/);
    expect(bad([{ change: 'DELETED', path: '/usr' }, { change: 'ADDED', path: '/usr/x', kind: 'FILE' }]).message).toMatch(/opaque: true/);
  });

  test('unknown or removed parent → NOT_FOUND', () => {
    failsWith('NOT_FOUND', { changes: [] }, { parent: initialImageState(), tag: initialTagState() });
    failsWith('NOT_FOUND', { changes: [] }, { parent: { ...parentState(), status: 'removed' }, tag: initialTagState() });
  });

  test('stale expectedVersion of the tag → CONFLICT (0: must not exist yet)', () => {
    failsWith('CONFLICT', { changes: [], tag: 'app:1', expectedVersion: 0 }, given({ tag: 'app:1', imageId: PARENT_ID, version: 2 }));
    failsWith('CONFLICT', { changes: [], tag: 'app:1', expectedVersion: 1 }, given({ tag: 'app:1', imageId: PARENT_ID, version: 2 }));
  });
});

describe('change sets: what the set itself hides, and in which order entries come', () => {
  const refusalOf = (changes: FileChange[]) => { const e = bad(changes); return [e.message, e.details]; };
  const bad = (changes: FileChange[]) => failsWith('BAD_USER_INPUT', { changes });
  const entries = (changes: FileChange[]) => planCommit(cmd({ changes }), given()).entries;

  test('a path twice is refused naming it', () => {
    expect(refusalOf([{ change: 'DELETED', path: '/etc/hosts' }, { change: 'DELETED', path: '//etc/hosts' }]))
      .toEqual(['/etc/hosts appears twice in the change set', { path: '/etc/hosts' }]);
  });

  test('a directory the set turns into a file hides what was below it; an opaque one too', () => {
    expect(refusalOf([{ change: 'MODIFIED', path: '/usr', kind: 'FILE' }, { change: 'MODIFIED', path: '/usr/lib/libc.so', kind: 'FILE' }]))
      .toEqual(['/usr/lib/libc.so: its parent /usr becomes a FILE', { path: '/usr/lib/libc.so' }]);
    expect(refusalOf([{ change: 'MODIFIED', path: '/usr', kind: 'DIRECTORY', opaque: true }, { change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY' }]))
      .toEqual(['/usr/lib does not exist in the parent image: use ADDED', { path: '/usr/lib' }]);
    // under an opaque directory the old contents count as absent: ADDED is right, and their parents are implied
    expect(entries([{ change: 'MODIFIED', path: '/usr', kind: 'DIRECTORY', opaque: true }, { change: 'ADDED', path: '/usr/lib/libc.so', kind: 'FILE', size: 1 }])
      .map((e) => [e.path, e.kind])).toEqual([['/usr', 'OPAQUE_WHITEOUT'], ['/usr', 'DIRECTORY'], ['/usr/lib', 'DIRECTORY'], ['/usr/lib/libc.so', 'FILE']]);
  });

  test('refusals for parents: deleted in the set, a non-directory below', () => {
    expect(refusalOf([{ change: 'DELETED', path: '/usr' }, { change: 'ADDED', path: '/usr/x', kind: 'FILE' }]))
      .toEqual(['/usr/x: its parent /usr is DELETED in the same change set (MODIFY /usr with opaque: true to replace its contents)', { path: '/usr/x' }]);
    expect(refusalOf([{ change: 'ADDED', path: '/etc/hosts/x', kind: 'FILE' }])).toEqual(['/etc/hosts/x: its parent /etc/hosts is a FILE, not a directory', { path: '/etc/hosts/x' }]);
  });

  test('presence refusals name the path in details', () => {
    expect(refusalOf([{ change: 'ADDED', path: '/etc', kind: 'DIRECTORY' }])).toEqual(['/etc already exists in the parent image: use MODIFIED', { path: '/etc' }]);
    expect(refusalOf([{ change: 'MODIFIED', path: '/x', kind: 'FILE' }])).toEqual(['/x does not exist in the parent image: use ADDED', { path: '/x' }]);
    expect(refusalOf([{ change: 'DELETED', path: '/x' }])).toEqual(['/x does not exist in the parent image, so it cannot be DELETED', { path: '/x' }]);
  });

  test('parents missing below are implied once, as root-owned 0755 directories, whatever the order of their children', () => {
    expect(entries([{ change: 'ADDED', path: '/srv/b/y', kind: 'FILE' }, { change: 'ADDED', path: '/srv/a/x', kind: 'FILE' }, { change: 'ADDED', path: '/srv/b/z', kind: 'FILE' }])
      .map((e) => [e.path, e.kind, e.mode])).toEqual([
      ['/srv', 'DIRECTORY', 0o755], ['/srv/a', 'DIRECTORY', 0o755], ['/srv/a/x', 'FILE', 0o644], ['/srv/b', 'DIRECTORY', 0o755],
      ['/srv/b/y', 'FILE', 0o644], ['/srv/b/z', 'FILE', 0o644]]);
    // a parent the set writes itself is not implied a second time
    expect(entries([{ change: 'ADDED', path: '/srv/x', kind: 'FILE' }, { change: 'ADDED', path: '/srv', kind: 'DIRECTORY', mode: 0o700 }])
      .map((e) => [e.path, e.mode])).toEqual([['/srv', 0o700], ['/srv/x', 0o644]]);
  });

  test('entries sorted by code units: "/a-b" and "/a.b" before "/a/b"; an opaque marker before its directory', () => {
    expect(entries([{ change: 'ADDED', path: '/a/b', kind: 'FILE' }, { change: 'ADDED', path: '/a.b', kind: 'FILE' }, { change: 'ADDED', path: '/a-b', kind: 'FILE' }])
      .map((e) => e.path)).toEqual(['/a', '/a-b', '/a.b', '/a/b']);
    expect(entries([{ change: 'MODIFIED', path: '/etc', kind: 'DIRECTORY', opaque: true }, { change: 'DELETED', path: '/bin/sh' }]).map((e) => [e.path, e.kind]))
      .toEqual([['/bin/sh', 'WHITEOUT'], ['/etc', 'OPAQUE_WHITEOUT'], ['/etc', 'DIRECTORY']]);
  });

  test('kind-less MODIFIED changes: a directory before its children, whatever order they are given in', () => {
    const out = entries([{ change: 'MODIFIED', path: '/usr/lib/libc.so', mode: 0o600 }, { change: 'MODIFIED', path: '/usr/lib', mode: 0o700 }]);
    expect(out.map((e) => [e.path, e.kind, e.mode, e.size])).toEqual([['/usr/lib', 'DIRECTORY', 0o700, 0], ['/usr/lib/libc.so', 'FILE', 0o600, 1000]]);
    // a hard link may target a file this set modifies without naming its kind
    expect(entries([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/passwd' }, { change: 'MODIFIED', path: '/etc/passwd', uid: 5 }])
      .map((e) => [e.path, e.kind, e.uid, e.linkTarget])).toEqual([['/etc/passwd', 'FILE', 5, null], ['/x', 'HARDLINK', 0, '/etc/passwd']]);
  });

  test('a hard link through a parent hard link resolves to its file; refused when the set deletes or replaces that file', () => {
    expect(entries([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/bin/ash' }, { change: 'MODIFIED', path: '/bin/sh', kind: 'FILE', size: 9 }])
      .map((e) => [e.path, e.kind, e.size, e.linkTarget])).toEqual([['/bin/sh', 'FILE', 9, null], ['/x', 'HARDLINK', 0, '/bin/sh']]);
    expect(refusalOf([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/bin/ash' }, { change: 'DELETED', path: '/bin/sh' }]))
      .toEqual(['/x: hard link target /bin/ash is a hard link to /bin/sh, which is not a FILE after this change set', { path: '/x' }]);
    expect(refusalOf([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/bin/ash' }, { change: 'MODIFIED', path: '/bin/sh', kind: 'DIRECTORY' }])[0])
      .toBe('/x: hard link target /bin/ash is a hard link to /bin/sh, which is not a FILE after this change set');
    expect(refusalOf([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/bin/ash' }, { change: 'MODIFIED', path: '/bin', kind: 'DIRECTORY', opaque: true }])[0])
      .toBe('/x: hard link target /bin/ash is not a FILE of the image');
    expect(refusalOf([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc' }]))
      .toEqual(['/x: hard link target /etc is not a FILE of the image', { path: '/x' }]);
    expect(refusalOf([{ change: 'DELETED', path: '/etc/hosts' }, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/etc/hosts' }]))
      .toEqual(['/x: hard link target /etc/hosts is not a FILE after this change set', { path: '/x' }]);
  });

  test('a hard link to a parent file the set hides (below a deleted directory) is refused; a parent file is copied up with its own attributes', () => {
    expect(refusalOf([{ change: 'MODIFIED', path: '/usr/lib', kind: 'DIRECTORY', opaque: true }, { change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/usr/lib/libc.so' }])[0])
      .toBe('/x: hard link target /usr/lib/libc.so is not a FILE of the image');
    const out = entries([{ change: 'ADDED', path: '/x', kind: 'HARDLINK', linkTarget: '/bin/sh' }]);
    expect(out).toEqual([
      { path: '/bin/sh', kind: 'FILE', size: 500, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: d('/bin/sh') },
      { path: '/x', kind: 'HARDLINK', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: '/bin/sh', contentDigest: null },
    ]);
  });
});

describe('commit: the image and the events it makes', () => {
  test('a built layer gives the layer its identity and blob facts; manifestOf sees the new config and every layer', () => {
    const built = { diffId: d('tar'), digest: d('gz'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', compressedSize: 77 };
    const seen: unknown[] = [];
    const out = planCommit(cmd({ changes: [app] }, ports({
      builtLayer: (e) => (e.length === 2 ? built : null),
      manifestOf: (config, layers) => { seen.push([config, layers]); return d('manifest'); },
    })), given());
    expect(out.layer).toMatchObject({ diffId: d('tar'), digest: d('gz'), mediaType: built.mediaType, compressedSize: 77, entriesDigest: entriesDigest(out.entries) });
    expect(out.image.layers.at(-1)).toEqual({ diffId: d('tar'), digest: d('gz'), mediaType: built.mediaType, compressedSize: 77 });
    expect(out.image.manifestDigest).toBe(d('manifest'));
    expect(seen).toEqual([[out.image.config, out.image.layers]]);
    expect(JSON.parse(out.image.config).rootfs.diff_ids.at(-1)).toBe(d('tar'));
    expect(out.image).toMatchObject({ baseName: null, baseDigest: null, parentImageId: PARENT_ID });
  });

  test('without manifestOf the manifest digest is null; layers and images already known are asked by their IDs', () => {
    const asked: string[] = [];
    const out = planCommit(cmd({ changes: [app], tag: '' }, ports({
      isLayerKnown: (id) => { asked.push(`layer ${id}`); return false; }, isImageKnown: (id) => { asked.push(`image ${id}`); return false; },
    })), given());
    expect(out.image.manifestDigest).toBeNull();
    expect(asked).toEqual([`layer ${out.layer.diffId}`, `image ${out.imageId}`]);
    expect(out.events.map((e) => e.type)).toEqual(['LayerCommitted', 'ImageCommitted']); // an empty tag moves nothing
    expect(out.events[0]).toEqual({ type: 'LayerCommitted', data: out.layer });
    expect(out.events[1]).toEqual({ type: 'ImageCommitted', data: out.image });
  });

  test('no tag: the expected version is not checked; a removed parent is NOT_FOUND with the parent named', () => {
    expect(planCommit(cmd({ changes: [], expectedVersion: 9 }), given({ tag: 'x:1', imageId: 'sha256:x', version: 2 })).events.map((e) => e.type))
      .toEqual(['LayerCommitted', 'ImageCommitted']);
    const e = failsWith('NOT_FOUND', { changes: [] }, { parent: { ...parentState(), status: 'removed' }, tag: initialTagState() });
    expect(e.message).toBe('the parent image does not exist');
    failsWith('NOT_FOUND', { changes: [] }, { parent: { ...parentState(), imageId: null }, tag: initialTagState() });
  });

  test('config: architecture and os default to amd64/linux; a null createdBy or comment leaves the field out; non-string facts read as null', () => {
    const bare = { ...parentState(), config: JSON.stringify({ rootfs: { diff_ids: [d('x'), 5] }, history: 'not a list' }) };
    const out = planCommit(cmd({ changes: [], comment: 'why' }), { parent: bare, tag: initialTagState() });
    const c = JSON.parse(out.image.config);
    expect([c.architecture, c.os, out.image.architecture, out.image.os]).toEqual(['amd64', 'linux', 'amd64', 'linux']);
    expect(c.rootfs).toEqual({ type: 'layers', diff_ids: [d('x'), EMPTY_LAYER_DIFF_ID] });
    expect(c.history).toEqual([{ created: NOW, comment: 'why' }]);
    const odd = { ...parentState(), config: JSON.stringify({ architecture: 5, os: null }) };
    const o2 = planCommit(cmd({ changes: [] }), { parent: odd, tag: initialTagState() });
    expect([o2.image.architecture, o2.image.os]).toEqual([null, 'linux']);
    for (const config of ['[]', 'null', '"x"', '{', '7']) {
      const err = failsWith('BAD_USER_INPUT', { changes: [] }, { parent: { ...parentState(), config }, tag: initialTagState() });
      expect(err.message).toBe('parent image: the image config is not a JSON object');
    }
  });

  test('the layer: size sums FILE entries only, the file count leaves whiteout markers out, a built layer wins over the empty tar', () => {
    const out = planCommit(cmd({ changes: [
      { change: 'ADDED', path: '/l', kind: 'SYMLINK', linkTarget: 'x' }, { change: 'ADDED', path: '/f', kind: 'FILE', size: 6 },
      { change: 'DELETED', path: '/etc/hosts' }, { change: 'MODIFIED', path: '/usr', kind: 'DIRECTORY', opaque: true },
    ] }), given());
    expect([out.layer.size, out.layer.fileCount, out.entries.length]).toEqual([6, 3, 5]);
    const built = { diffId: d('t'), digest: d('g'), mediaType: 'm', compressedSize: 1 };
    expect(planCommit(cmd({ changes: [] }, ports({ builtLayer: () => built })), given()).layer.diffId).toBe(d('t'));
  });
});

describe('image state', () => {
  test('committed → live with its facts; another manifest digest is added; removal keeps the facts; every event counts', () => {
    const c = parentState().committed!;
    let s = evolveImage(initialImageState(), { type: 'ImageCommitted', data: { ...c, manifestDigest: d('m1') } });
    expect(s).toMatchObject({ status: 'live', imageId: PARENT_ID, manifestDigests: [d('m1')], version: 1 });
    s = evolveImage(s, { type: 'ManifestDigestAdded', data: { imageId: PARENT_ID, manifestDigest: d('m2') } });
    expect(s.manifestDigests).toEqual([d('m1'), d('m2')]);
    s = evolveImage(s, { type: 'ImageTransferred', data: {} as never });
    s = evolveImage(s, { type: 'ImageRemoved', data: { imageId: PARENT_ID } });
    expect(s).toMatchObject({ status: 'removed', imageId: PARENT_ID, manifestDigests: [d('m1'), d('m2')], version: 4 });
    expect(parentState().manifestDigests).toEqual([]);
    expect(foldImage([])).toEqual({ status: 'absent', imageId: null, config: '{}', layers: [], manifestDigests: [], committed: null, version: 0 });
  });
});

describe('shadowed paths (what a rebase cannot reach)', () => {
  const en = (path: string, kind: LayerEntry['kind']): LayerEntry => ({ path, kind, size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null });
  test('an own entry at the path, or a non-directory / marker at an ancestor; a plain directory above hides nothing; sorted, once', () => {
    const own = [[en('/d', 'DIRECTORY'), en('/o', 'OPAQUE_WHITEOUT'), en('/o', 'DIRECTORY')], [en('/f', 'FILE'), en('/w', 'WHITEOUT'), en('/x', 'FILE')]];
    expect(shadowedPaths(['/x', '/d/a', '/o', '/o/a', '/f/a/b', '/w/z', '/d', '/free', '/x', '/fx'], own))
      .toEqual(['/d', '/f/a/b', '/o', '/o/a', '/w/z', '/x']);
    expect(shadowedPaths(['/o'], [[en('/o', 'OPAQUE_WHITEOUT')]])).toEqual([]);
    expect(shadowedPaths(['/a'], [])).toEqual([]);
  });
});
