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
