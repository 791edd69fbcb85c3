import { createHash } from 'node:crypto';
import { entriesDigestOf, parseEntries, serializeEntries } from '../../src/domain/entryList';
import type { LayerEntry } from '../../src/domain/layerEntry';

const hex = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');

const file: LayerEntry = { path: '/etc/a b', kind: 'FILE', size: 3, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${'a'.repeat(64)}` };
const link: LayerEntry = { path: '/bin/sh', kind: 'SYMLINK', size: 0, mode: 0o777, uid: 0, gid: 0, linkTarget: 'busybox', contentDigest: null };
const wh: LayerEntry = { path: '/x"y\n', kind: 'WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null };

describe('entry list serialization (docs/domain.md §7)', () => {
  it('is one JSON array per line, archive order, newline-terminated', () => {
    expect(serializeEntries([file, link])).toBe(
      `["/etc/a b","FILE",3,420,0,0,null,"sha256:${'a'.repeat(64)}"]\n["/bin/sh","SYMLINK",0,511,0,0,"busybox",null]\n`,
    );
    expect(serializeEntries([])).toBe('');
  });

  it('digest is sha256 of the serialization, with the injected hasher', () => {
    const text = `["/bin/sh","SYMLINK",0,511,0,0,"busybox",null]\n`;
    expect(entriesDigestOf([link], hex)).toBe(`sha256:${hex(text)}`);
    expect(entriesDigestOf([], hex)).toBe(`sha256:${hex('')}`);
  });

  it('order matters (duplicates within a layer depend on it)', () => {
    expect(entriesDigestOf([file, link], hex)).not.toBe(entriesDigestOf([link, file], hex));
  });

  it('round-trips, including awkward characters', () => {
    const list = [file, link, wh];
    expect(parseEntries(serializeEntries(list))).toEqual(list);
  });

  it.each([
    ['not terminated', '["/a","FILE",0,null,null,null,null,null]'],
    ['not JSON', 'nope\n'],
    ['wrong arity', '["/a","FILE",0]\n'],
    ['unknown kind', '["/a","SOCKET",0,null,null,null,null,null]\n'],
    ['bad size', '["/a","FILE","3",null,null,null,null,null]\n'],
  ])('rejects a malformed list (%s)', (_, text) => {
    expect(() => parseEntries(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARCHIVE' }));
  });
});
