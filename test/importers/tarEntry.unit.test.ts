/**
 * One tar header → the LayerEntry Strata records (src/importers/tarEntry.ts,
 * docs/domain.md §2.1–§2.3, §2.6, §3). Pure: headers are written here by hand,
 * in the shape tar-stream hands them over.
 */
import type { Header } from 'tar-stream';
import { DomainError } from '../../src/domain/errors';
import { isRegular, toLayerEntry } from '../../src/importers/tarEntry';

/** `extra` is loose on purpose: tar-stream hands over a null linkname, which its type does not admit. */
const h = (name: string, type: Header['type'], extra: Record<string, unknown> = {}): Header =>
  ({ name, type, size: 0, mode: 0o644, uid: 0, gid: 0, ...extra }) as Header;
const DIGEST = `sha256:${'c'.repeat(64)}`;
const refused = (header: Header): DomainError => {
  let err: unknown;
  try { toLayerEntry(header, null); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('INVALID_ARCHIVE');
  return err as DomainError;
};

describe('regular files', () => {
  test('a file: normalized path, its size, permission bits of the mode, owner, the content digest', () => {
    expect(toLayerEntry(h('./usr/bin/tool', 'file', { size: 1234, mode: 0o100755, uid: 1000, gid: 50 }), DIGEST)).toEqual({
      path: '/usr/bin/tool', kind: 'FILE', size: 1234, mode: 0o755, uid: 1000, gid: 50, linkTarget: null, contentDigest: DIGEST,
    });
  });

  test('setuid, setgid and sticky bits are kept (mode & 0o7777), the file-type bits are not', () => {
    expect(toLayerEntry(h('bin/su', 'file', { mode: 0o104755 }), DIGEST)?.mode).toBe(0o4755);
    expect(toLayerEntry(h('tmp', 'directory', { mode: 0o41777 }), null)?.mode).toBe(0o1777);
  });

  test('a contiguous file is a regular file', () => {
    expect(toLayerEntry(h('data', 'contiguous-file', { size: 7 }), DIGEST)).toMatchObject({ kind: 'FILE', size: 7, contentDigest: DIGEST });
    expect(isRegular(h('data', 'contiguous-file'))).toBe(true);
    expect(isRegular(h('data', 'file'))).toBe(true);
  });

  test('a file header without a size has size 0; missing mode, uid, gid are null, not 0', () => {
    const bare = { name: 'etc/empty', type: 'file' } as Header;
    expect(toLayerEntry(bare, DIGEST)).toEqual({
      path: '/etc/empty', kind: 'FILE', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: DIGEST,
    });
  });

  test.each<Header['type']>(['directory', 'symlink', 'link', 'character-device', 'block-device', 'fifo'])(
    'a %s is not regular', (type) => expect(isRegular(h('x', type))).toBe(false),
  );
});

describe('only regular files carry a size and a content digest', () => {
  test('a directory: size 0 and no digest whatever the header says', () => {
    expect(toLayerEntry(h('etc/', 'directory', { size: 4096, mode: 0o40755 }), DIGEST)).toEqual({
      path: '/etc', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null,
    });
  });

  test.each<[Header['type'], string]>([['character-device', 'dev/null'], ['block-device', 'dev/sda'], ['fifo', 'run/pipe']])(
    'a %s is OTHER, with size 0 and no digest', (type, name) => {
      expect(toLayerEntry(h(name, type, { size: 9 }), DIGEST)).toMatchObject({ path: `/${name}`, kind: 'OTHER', size: 0, contentDigest: null, linkTarget: null });
    },
  );
});

describe('links', () => {
  test('a symlink keeps its target as written (relative, with ..), not normalized', () => {
    expect(toLayerEntry(h('lib', 'symlink', { linkname: '../usr/./lib/' }), DIGEST)).toEqual({
      path: '/lib', kind: 'SYMLINK', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: '../usr/./lib/', contentDigest: null,
    });
  });

  test('a symlink without a target records an empty target', () => {
    expect(toLayerEntry(h('dangling', 'symlink', { linkname: null }), null)?.linkTarget).toBe('');
  });

  test('a hard link target is normalized like a name (layer-local, absolute)', () => {
    expect(toLayerEntry(h('bin/ash', 'link', { linkname: './bin/../bin/busybox' }), DIGEST)).toEqual({
      path: '/bin/ash', kind: 'HARDLINK', size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: '/bin/busybox', contentDigest: null,
    });
  });

  test.each([null, ''])('a hard link without a target (%p) is refused', (linkname) => {
    expect(refused(h('bin/ash', 'link', { linkname })).message).toBe('layer hard link "bin/ash" has no target');
  });

  test.each(['.', './', '/'])('a hard link to the root (%p) is refused', (linkname) => {
    expect(refused(h('bin/ash', 'link', { linkname })).message).toBe('layer hard link "bin/ash" points at the root');
  });

  test('a hard link whose target leaves the root is refused, naming the target', () => {
    expect(refused(h('bin/ash', 'link', { linkname: '../etc/shadow' })).message)
      .toBe('layer hard link target "../etc/shadow" is not local (it escapes the root with "..")');
  });
});

describe('names', () => {
  test('a whiteout marker hides a path; it has no mode, owner, size or digest', () => {
    expect(toLayerEntry(h('etc/.wh.hosts', 'file', { size: 5, mode: 0o600, uid: 1 }), DIGEST)).toEqual({
      path: '/etc/hosts', kind: 'WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null,
    });
  });

  test('the opaque marker names its directory', () => {
    expect(toLayerEntry(h('usr/lib/.wh..wh..opq', 'file'), DIGEST)).toEqual({
      path: '/usr/lib', kind: 'OPAQUE_WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null,
    });
  });

  test('other AUFS metadata (.wh..wh.*) is not part of the changeset', () => {
    expect(toLayerEntry(h('.wh..wh.aufs', 'file'), DIGEST)).toBeNull();
    expect(toLayerEntry(h('.wh..wh.plnk', 'directory'), null)).toBeNull();
  });

  test('the root directory is an entry; any other kind named "/" is refused as an empty name', () => {
    expect(toLayerEntry(h('./', 'directory'), null)).toMatchObject({ path: '/', kind: 'DIRECTORY' });
    expect(refused(h('./', 'file')).message).toBe('layer entry "./" has an empty name');
    expect(refused(h('/', 'symlink', { linkname: 'x' })).message).toBe('layer entry "/" has an empty name');
  });

  test('a name that leaves the root is refused', () => {
    expect(refused(h('../x', 'file')).message).toBe('layer entry name "../x" is not local (it escapes the root with "..")');
  });
});

describe('owner from PAX records (Go archive/tar, what Docker extracts with)', () => {
  test('a PAX uid or gid overrides the header field; without one the header field stands', () => {
    const e = toLayerEntry(h('f', 'file', { uid: 0, gid: 0, pax: { uid: '4321', gid: '8765' } }), DIGEST)!;
    expect([e.uid, e.gid]).toEqual([4321, 8765]);
    expect(toLayerEntry(h('f', 'file', { uid: 7, gid: 9, pax: { gid: '3000000' } }), DIGEST)).toMatchObject({ uid: 7, gid: 3000000 });
    expect(toLayerEntry(h('f', 'file', { uid: 7, gid: 9, pax: { mtime: '1.5' } }), DIGEST)).toMatchObject({ uid: 7, gid: 9 });
    expect(toLayerEntry(h('d/', 'directory', { uid: 1, pax: { uid: '0' } }), null)).toMatchObject({ uid: 0 });
  });

  test.each(['', '-1', '1.5', 'abc', '12345678901234567'])('a PAX uid of %j is refused', (bad) => {
    expect(refused(h('f', 'file', { pax: { uid: bad } })).message).toBe('layer entry "f" has a PAX uid that is not an id');
  });
});
