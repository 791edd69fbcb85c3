import { classifyTarName, normalizeTarPath, parentOf } from '../../src/domain/whiteout';
import { DomainError } from '../../src/domain/errors';

const invalid = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('INVALID_ARCHIVE');
    expect((e as DomainError).message).not.toMatch(/\n/);
    return e as DomainError;
  }
  throw new Error('expected INVALID_ARCHIVE');
};

describe('normalizeTarPath (docs/domain.md §2.1)', () => {
  it.each([
    ['etc/passwd', '/etc/passwd'],
    ['./etc/passwd', '/etc/passwd'],
    ['/etc/passwd', '/etc/passwd'],
    ['etc//x/./y/', '/etc/x/y'],
    ['a/b/../c', '/a/c'],
    ['./', '/'],
  ])('%s → %s', (name, path) => expect(normalizeTarPath(name)).toBe(path));

  it.each(['..', '../etc/passwd', './../x', 'a/../../b', '/..'])('rejects %s (not local)', (name) => {
    expect(invalid(() => normalizeTarPath(name)).message).toMatch(/not local/);
  });

  it('rejects the empty name', () => {
    expect(invalid(() => normalizeTarPath('')).message).toMatch(/empty/);
  });

  it('parentOf', () => {
    expect(parentOf('/a/b')).toBe('/a');
    expect(parentOf('/a')).toBe('/');
  });
});

describe('classifyTarName (docs/domain.md §2.2, §2.3)', () => {
  it('plain paths', () => expect(classifyTarName('./usr/bin/env')).toEqual({ type: 'path', path: '/usr/bin/env' }));
  it('whiteout hides the sibling', () => expect(classifyTarName('etc/.wh.motd')).toEqual({ type: 'whiteout', path: '/etc/motd' }));
  it('whiteout at the root', () => expect(classifyTarName('.wh.tmp')).toEqual({ type: 'whiteout', path: '/tmp' }));
  it('whiteout of a dot-file', () => expect(classifyTarName('root/.wh..bashrc')).toEqual({ type: 'whiteout', path: '/root/.bashrc' }));
  it('opaque marker names the directory', () => expect(classifyTarName('./var/lib/.wh..wh..opq')).toEqual({ type: 'opaque', path: '/var/lib' }));
  it('opaque marker at the root', () => expect(classifyTarName('.wh..wh..opq')).toEqual({ type: 'opaque', path: '/' }));
  it.each(['.wh..wh.plnk', 'x/.wh..wh.aufs', 'x/.wh..wh.orph/'])('ignores AUFS metadata %s', (n) => expect(classifyTarName(n)).toEqual({ type: 'ignored' }));
  it('.wh. inside a directory component is an ordinary name', () => expect(classifyTarName('.wh.x/file')).toEqual({ type: 'path', path: '/.wh.x/file' }));
  it.each(['.wh.', 'dir/.wh.', 'dir/.wh..', 'dir/.wh...', '.wh...'])('rejects %s', (n) => {
    expect(invalid(() => classifyTarName(n)).message).toMatch(/invalid whiteout/);
  });
  it('rejects a whiteout that escapes', () => {
    invalid(() => classifyTarName('../.wh.x'));
  });
});

describe('tar name refusals say what and which (issue 25, second pass)', () => {
  it('each refusal names the kind of name and quotes it as JSON (one line even with a line break)', () => {
    expect(invalid(() => normalizeTarPath('')).message).toBe('layer has an entry name that is empty');
    expect(invalid(() => normalizeTarPath('', 'link target')).message).toBe('layer has an link target that is empty');
    expect(invalid(() => normalizeTarPath('a\0b')).message).toBe('layer has an entry name with a NUL byte: "a\\u0000b"');
    expect(invalid(() => normalizeTarPath('\0', 'link target')).message).toBe('layer has an link target with a NUL byte: "\\u0000"');
    expect(invalid(() => normalizeTarPath('../x\ny')).message).toBe('layer entry name "../x\\ny" is not local (it escapes the root with "..")');
    expect(invalid(() => normalizeTarPath('a/../..', 'link target')).message).toBe('layer link target "a/../.." is not local (it escapes the root with "..")');
    expect(invalid(() => classifyTarName('d\n/.wh.')).message).toBe('layer has an invalid whiteout name "d\\n/.wh."');
  });

  it('".." may climb back to the root but not above it; a name of only slashes and dots is the root', () => {
    expect(normalizeTarPath('a/..')).toBe('/');
    expect(normalizeTarPath('a/b/../../c')).toBe('/c');
    expect(normalizeTarPath('//./')).toBe('/');
    expect(normalizeTarPath('.')).toBe('/');
    expect(normalizeTarPath('...')).toBe('/...');
  });

  it('whiteouts and opaque markers in nested and normalized directories', () => {
    expect(classifyTarName('a/b/../c/.wh.x')).toEqual({ type: 'whiteout', path: '/a/c/x' });
    expect(classifyTarName('./a//b/.wh..wh..opq')).toEqual({ type: 'opaque', path: '/a/b' });
    expect(classifyTarName('a/.wh..wh..opqx')).toEqual({ type: 'ignored' });
    expect(classifyTarName('a/.wh.x.wh.')).toEqual({ type: 'whiteout', path: '/a/x.wh.' });
    expect(classifyTarName('a/x.wh.y')).toEqual({ type: 'path', path: '/a/x.wh.y' });
    expect(classifyTarName('.')).toEqual({ type: 'path', path: '/' });
    expect(parentOf('/')).toBe('/');
  });
});
