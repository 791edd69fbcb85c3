/**
 * One FileChange, field by field (src/domain/image/fileChange.ts, schema.graphql
 * `input FileChange`, docs/domain.md §2), and change-set paths (changePath.ts).
 * Every refusal is asserted with the rule it states (message and details).
 */
import { DomainError } from '../../src/domain/errors';
import { ancestorsOf, comparePaths, isAtOrBelow, normalizeChangePath } from '../../src/domain/image/changePath';
import { CheckedChange, checkChange, entryOf, FileChange, impliedDirectory, inheritKind, whiteoutEntry } from '../../src/domain/image/fileChange';
import type { LayerEntry } from '../../src/domain/layerEntry';

const HEX = 'ab'.repeat(32);
const refusal = (f: () => unknown): [string, string, unknown] => {
  try { f(); } catch (e) { const x = e as DomainError; return [x.code, x.message, x.details]; }
  throw new Error('accepted');
};
const lower = (kind: LayerEntry['kind'], extra: Partial<LayerEntry> = {}): LayerEntry => ({
  path: '/p', kind, size: kind === 'FILE' ? 40 : 0, mode: 0o600, uid: 7, gid: 8, linkTarget: null,
  contentDigest: kind === 'FILE' ? `sha256:${'c'.repeat(64)}` : null, ...extra,
});
const checked = (c: FileChange, below: LayerEntry | null = null): CheckedChange => { const x = checkChange(c); inheritKind(x, below); return x; };

describe('change-set paths', () => {
  test('absolute; "//" and a trailing "/" collapse', () => {
    expect(['/a', '//a//b/', '/a/b.c', '/a/.b', '/a/..b', '/a/b..'].map((p) => normalizeChangePath(p))).toEqual(['/a', '/a/b', '/a/b.c', '/a/.b', '/a/..b', '/a/b..']);
  });
  test('refusals name the field, the value and the rule', () => {
    expect(refusal(() => normalizeChangePath('a/b'))).toEqual(['BAD_USER_INPUT', 'path "a/b" must be an absolute path (start with "/")', { path: 'a/b' }]);
    expect(refusal(() => normalizeChangePath(5))).toEqual(['BAD_USER_INPUT', 'path "5" must be an absolute path (start with "/")', { path: 5 }]);
    expect(refusal(() => normalizeChangePath('/a\0b', 'linkTarget'))).toEqual(['BAD_USER_INPUT', 'linkTarget must not contain NUL bytes', { path: '/a\0b' }]);
    expect(refusal(() => normalizeChangePath('/a/./b'))).toEqual(['BAD_USER_INPUT', 'path "/a/./b" must not contain "." or ".." components', { path: '/a/./b' }]);
    expect(refusal(() => normalizeChangePath('/a/..'))[1]).toBe('path "/a/.." must not contain "." or ".." components');
    expect(refusal(() => normalizeChangePath('/a/.wh..wh..opq'))[1]).toBe('path "/a/.wh..wh..opq": names starting with ".wh." are reserved for whiteouts');
    expect(refusal(() => normalizeChangePath('/.wh.x/y'))).toEqual(['BAD_USER_INPUT', 'path "/.wh.x/y": names starting with ".wh." are reserved for whiteouts', { path: '/.wh.x/y' }]);
    expect(normalizeChangePath('/a.wh.x/x.wh.')).toBe('/a.wh.x/x.wh.');
    expect(refusal(() => normalizeChangePath('//'))).toEqual(['BAD_USER_INPUT', 'path "//" names the root directory, which cannot be changed', { path: '//' }]);
  });
  test('ancestors outermost first, root excluded; at-or-below at component boundaries; code-unit order', () => {
    expect(ancestorsOf('/a/b/c')).toEqual(['/a', '/a/b']);
    expect(ancestorsOf('/a')).toEqual([]);
    expect([isAtOrBelow('/a', '/a'), isAtOrBelow('/a/b', '/a'), isAtOrBelow('/ab', '/a'), isAtOrBelow('/a', '/a/b')]).toEqual([true, true, false, false]);
    expect(['/a/b', '/a.b', '/a', '/a-b', '/B'].sort(comparePaths)).toEqual(['/B', '/a', '/a-b', '/a.b', '/a/b']);
    expect([comparePaths('/a', '/a'), comparePaths('/a', '/b'), comparePaths('/b', '/a')]).toEqual([0, -1, 1]);
  });
});

describe('field rules', () => {
  test('integers: size and owners 0..2^53-1, mode 0..0o7777; each refusal names the field and its value', () => {
    expect(checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', size: Number.MAX_SAFE_INTEGER, mode: 0o7777, uid: 0, gid: 2 ** 31 }))
      .toMatchObject({ size: Number.MAX_SAFE_INTEGER, mode: 0o7777, uid: 0, gid: 2 ** 31 });
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', mode: 0o10000 })))
      .toEqual(['BAD_USER_INPUT', '/f: mode must be an integer between 0 and 4095', { path: '/f', mode: 4096 }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', size: 1.5 })))
      .toEqual(['BAD_USER_INPUT', '/f: size must be an integer between 0 and 9007199254740991', { path: '/f', size: 1.5 }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', size: 2 ** 53 }))[1]).toBe('/f: size must be an integer between 0 and 9007199254740991');
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', uid: -1 }))).toEqual(['BAD_USER_INPUT', '/f: uid must be an integer between 0 and 9007199254740991', { path: '/f', uid: -1 }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', gid: '5' as never }))).toEqual(['BAD_USER_INPUT', '/f: gid must be an integer between 0 and 9007199254740991', { path: '/f', gid: '5' }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', mode: -1 }))[1]).toBe('/f: mode must be an integer between 0 and 4095');
  });

  test('null and absent optional fields are the same', () => {
    const a = checkChange({ change: 'ADDED', path: '/f', kind: 'FILE' });
    const b = checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', size: null, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null, opaque: null });
    expect(a).toEqual(b);
    expect(a).toEqual({ change: 'ADDED', path: '/f', kind: 'FILE', size: null, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null, opaque: false });
  });

  test('kind rules: size above 0 and a content digest for FILE only; links need a target, others must not have one; opaque for directories', () => {
    expect(checkChange({ change: 'ADDED', path: '/d', kind: 'DIRECTORY', size: 0 }).size).toBe(0);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/l', kind: 'SYMLINK', linkTarget: 't', size: 1 })))
      .toEqual(['BAD_USER_INPUT', '/l: only a FILE has a size above 0 (got SYMLINK)', { path: '/l' }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/d', kind: 'DIRECTORY', contentDigest: HEX })))
      .toEqual(['BAD_USER_INPUT', '/d: only a FILE has a contentDigest', { path: '/d' }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/h', kind: 'HARDLINK' }))).toEqual(['BAD_USER_INPUT', '/h: a HARDLINK needs a linkTarget', { path: '/h' }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/s', kind: 'SYMLINK', linkTarget: '' }))[1]).toBe('/s: a SYMLINK needs a linkTarget');
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/d', kind: 'DIRECTORY', linkTarget: '/x' })))
      .toEqual(['BAD_USER_INPUT', '/d: only links have a linkTarget', { path: '/d' }]);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/s', kind: 'SYMLINK', linkTarget: 't', opaque: true })))
      .toEqual(['BAD_USER_INPUT', '/s: opaque applies to a DIRECTORY only', { path: '/s' }]);
    expect(checkChange({ change: 'ADDED', path: '/d', kind: 'DIRECTORY', opaque: true }).opaque).toBe(true);
  });

  test('a content digest is stored canonical (prefix added, lower case) and refused naming the field', () => {
    expect(checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', contentDigest: HEX.toUpperCase() }).contentDigest).toBe(`sha256:${HEX}`);
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/f', kind: 'FILE', contentDigest: 'sha256:12' }))[1])
      .toBe('/f: contentDigest "sha256:12" is not a sha256 digest (sha256:<64 hex>)');
  });

  test("a hard link's target is a path of the image, normalized; a symlink's is kept as written", () => {
    expect(checkChange({ change: 'ADDED', path: '/h', kind: 'HARDLINK', linkTarget: '//etc//passwd/' }).linkTarget).toBe('/etc/passwd');
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/h', kind: 'HARDLINK', linkTarget: 'etc/passwd' })))
      .toEqual(['BAD_USER_INPUT', 'linkTarget "etc/passwd" must be an absolute path (start with "/")', { path: 'etc/passwd' }]);
    expect(checkChange({ change: 'ADDED', path: '/s', kind: 'SYMLINK', linkTarget: '../x//y/' }).linkTarget).toBe('../x//y/');
  });

  test('the change and the kind: ADDED names a writable kind; DELETED ignores every other field but opaque', () => {
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/x', kind: 'OPAQUE_WHITEOUT' })))
      .toEqual(['BAD_USER_INPUT', '/x: ADDED needs kind FILE, DIRECTORY, SYMLINK or HARDLINK (got OPAQUE_WHITEOUT)', { path: '/x' }]);
    expect(refusal(() => checkChange({ change: 'MODIFIED', path: '/x', kind: 'WHITEOUT' }))[1]).toBe('/x: MODIFIED needs kind FILE, DIRECTORY, SYMLINK or HARDLINK (got WHITEOUT)');
    expect(refusal(() => checkChange({ change: 'ADDED', path: '/x', kind: null }))[1]).toBe('/x: ADDED needs kind FILE, DIRECTORY, SYMLINK or HARDLINK (got none)');
    expect(refusal(() => checkChange({ change: 'ADDED' as never, path: '/x', kind: '' as never }))[1]).toBe('/x: ADDED needs kind FILE, DIRECTORY, SYMLINK or HARDLINK (got )');
    expect(refusal(() => checkChange({ change: 'DELETE' as never, path: '/x' }))).toEqual(['BAD_USER_INPUT', 'change must be ADDED, MODIFIED or DELETED (got DELETE)', undefined]);
    expect(checkChange({ change: 'DELETED', path: '/x/', kind: 'FILE', size: 5, mode: 1, uid: 1, gid: 1, linkTarget: 'y', contentDigest: 'junk', opaque: false }))
      .toEqual({ change: 'DELETED', path: '/x', kind: null, size: null, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null, opaque: false });
    expect(refusal(() => checkChange({ change: 'DELETED', path: '/x', opaque: true })))
      .toEqual(['BAD_USER_INPUT', '/x: opaque does not apply to DELETED (a deletion hides the whole subtree already)', { path: '/x' }]);
    for (const kind of ['FILE', 'DIRECTORY', 'SYMLINK', 'HARDLINK'] as const) {
      const link = kind === 'SYMLINK' || kind === 'HARDLINK' ? '/t' : null;
      expect(checkChange({ change: 'ADDED', path: '/x', kind, linkTarget: link }).kind).toBe(kind);
    }
  });
});

describe('MODIFIED without a kind', () => {
  test('takes the lower entry\'s kind and a link\'s target, then the kind rules apply', () => {
    expect(checked({ change: 'MODIFIED', path: '/p', mode: 0o700 }, lower('SYMLINK', { linkTarget: 'usr/lib' }))).toMatchObject({ kind: 'SYMLINK', linkTarget: 'usr/lib' });
    expect(checked({ change: 'MODIFIED', path: '/p', linkTarget: 'elsewhere' }, lower('SYMLINK', { linkTarget: 'usr/lib' }))).toMatchObject({ linkTarget: 'elsewhere' });
    expect(checked({ change: 'MODIFIED', path: '/p' }, lower('HARDLINK', { linkTarget: '/f' }))).toMatchObject({ kind: 'HARDLINK', linkTarget: '/f' });
    expect(checked({ change: 'MODIFIED', path: '/p', uid: 1 }, lower('DIRECTORY'))).toMatchObject({ kind: 'DIRECTORY', linkTarget: null });
    expect(refusal(() => checked({ change: 'MODIFIED', path: '/p', size: 3 }, lower('DIRECTORY'))))
      .toEqual(['BAD_USER_INPUT', '/p: only a FILE has a size above 0 (got DIRECTORY)', { path: '/p' }]);
    expect(refusal(() => checked({ change: 'MODIFIED', path: '/p' }, lower('OTHER'))))
      .toEqual(['BAD_USER_INPUT', '/p: the existing entry is a OTHER; name the kind to write over it', { path: '/p' }]);
  });
  test('nothing to inherit from, or a kind given, or not MODIFIED: unchanged', () => {
    const none = checked({ change: 'MODIFIED', path: '/p' }, null);
    expect(none.kind).toBeNull();
    expect(checked({ change: 'MODIFIED', path: '/p', kind: 'FILE' }, lower('DIRECTORY')).kind).toBe('FILE');
    expect(checked({ change: 'DELETED', path: '/p' }, lower('FILE')).kind).toBeNull();
  });
});

describe('the entry a change writes', () => {
  test('ADDED defaults: mode by kind (0644 file and hard link, 0755 directory, 0777 symlink), root-owned, size 0', () => {
    const add = (kind: LayerEntry['kind'], linkTarget: string | null = null) => entryOf(checkChange({ change: 'ADDED', path: '/x', kind, linkTarget }), null);
    expect([add('FILE'), add('HARDLINK', '/t'), add('DIRECTORY'), add('SYMLINK', 't')].map((e) => [e.kind, e.mode, e.uid, e.gid, e.size, e.linkTarget, e.contentDigest]))
      .toEqual([['FILE', 0o644, 0, 0, 0, null, null], ['HARDLINK', 0o644, 0, 0, 0, '/t', null], ['DIRECTORY', 0o755, 0, 0, 0, null, null], ['SYMLINK', 0o777, 0, 0, 0, 't', null]]);
  });
  test('MODIFIED of the same kind inherits what it does not name; the digest only when neither size nor digest is given', () => {
    const f = lower('FILE');
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', mode: 0o700 }, f), f))
      .toEqual({ path: '/p', kind: 'FILE', size: 40, mode: 0o700, uid: 7, gid: 8, linkTarget: null, contentDigest: f.contentDigest });
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', size: 40 }, f), f)).toMatchObject({ size: 40, mode: 0o600, uid: 7, gid: 8, contentDigest: null });
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', contentDigest: HEX }, f), f)).toMatchObject({ size: 40, contentDigest: `sha256:${HEX}` });
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', uid: 0, gid: 0 }, f), f)).toMatchObject({ uid: 0, gid: 0, mode: 0o600 });
  });
  test('MODIFIED into another kind starts from that kind\'s defaults', () => {
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', kind: 'DIRECTORY' }, lower('FILE')), lower('FILE')))
      .toEqual({ path: '/p', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null });
    expect(entryOf(checked({ change: 'MODIFIED', path: '/p', kind: 'FILE' }, lower('DIRECTORY')), lower('DIRECTORY')))
      .toMatchObject({ size: 0, mode: 0o644, uid: 0, contentDigest: null });
  });
  test('markers and implied directories', () => {
    expect(whiteoutEntry('/w', 'WHITEOUT')).toEqual({ path: '/w', kind: 'WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null });
    expect(whiteoutEntry('/o', 'OPAQUE_WHITEOUT').kind).toBe('OPAQUE_WHITEOUT');
    expect(impliedDirectory('/i')).toEqual({ path: '/i', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null });
  });
});
