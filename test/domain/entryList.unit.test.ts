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

describe('entry list parsing: each refusal by line and rule (issue 25, second pass)', () => {
  const row = (...fields: unknown[]) => `${JSON.stringify(fields)}\n`;
  const good = row('/a', 'FILE', 3, 420, 0, 0, null, 'sha256:x');
  const refusal = (text: string): string => {
    try { parseEntries(text); } catch (e) { expect(e).toMatchObject({ code: 'INVALID_ARCHIVE' }); return (e as Error).message; }
    throw new Error('accepted');
  };

  it('the empty list is ""; a list not ending in a newline is refused', () => {
    expect(parseEntries('')).toEqual([]);
    expect(refusal(good.slice(0, -1))).toBe('entry list is not newline-terminated');
    expect(refusal('\n')).toBe('entry list line 1 is not JSON');
  });

  it('names the line: not JSON, not an 8-field array', () => {
    expect(refusal(`${good}{\n`)).toBe('entry list line 2 is not JSON');
    expect(refusal(`${good}${good}["/a","FILE",0,null,null,null,null]\n`)).toBe('entry list line 3 is not an 8-field array');
    expect(refusal(`${good}["/a","FILE",0,null,null,null,null,null,null]\n`)).toBe('entry list line 2 is not an 8-field array');
    expect(refusal('{"length":8}\n')).toBe('entry list line 1 is not an 8-field array');
  });

  it.each<[string, unknown[]]>([
    ['a path that is not a string', [7, 'FILE', 0, null, null, null, null, null]],
    ['an unknown kind', ['/a', 'SOCKET', 0, null, null, null, null, null]],
    ['a size that is a string', ['/a', 'FILE', '3', null, null, null, null, null]],
    ['a fractional size', ['/a', 'FILE', 1.5, null, null, null, null, null]],
    ['a null size', ['/a', 'FILE', null, null, null, null, null, null]],
    ['a size beyond 2^53', ['/a', 'FILE', 2 ** 53, null, null, null, null, null]],
    ['a negative size (sizes are summed into every storage figure)', ['/a', 'FILE', -1, null, null, null, null, null]],
    ['a fractional mode', ['/a', 'FILE', 0, 0.5, null, null, null, null]],
    ['a string uid', ['/a', 'FILE', 0, null, '0', null, null, null]],
    ['a fractional gid', ['/a', 'FILE', 0, null, null, 1.5, null, null]],
    ['a numeric link target', ['/a', 'SYMLINK', 0, null, null, null, 5, null]],
    ['a numeric digest', ['/a', 'FILE', 0, null, null, null, null, 5]],
  ])('refuses %s: "has a field of the wrong type"', (_what, fields) => {
    expect(refusal(`${good}${row(...fields)}`)).toBe('entry list line 2 has a field of the wrong type');
  });

  it('accepts every kind, nulls where allowed, zeros and empty strings', () => {
    for (const kind of ['FILE', 'DIRECTORY', 'SYMLINK', 'HARDLINK', 'WHITEOUT', 'OPAQUE_WHITEOUT', 'OTHER']) {
      expect(parseEntries(row('/k', kind, 0, null, null, null, null, null))[0]?.kind).toBe(kind);
    }
    expect(parseEntries(row('/n', 'FILE', 0, 0, 0, 0, '', ''))).toEqual([
      { path: '/n', kind: 'FILE', size: 0, mode: 0, uid: 0, gid: 0, linkTarget: '', contentDigest: '' }]);
  });
});
