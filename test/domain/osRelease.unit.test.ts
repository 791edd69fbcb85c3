import { parseOsRelease, parseOsReleaseFields } from '../../src/domain/osRelease';

describe('os-release parsing (os-release(5))', () => {
  it('alpine', () => {
    const text = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\nHOME_URL="https://alpinelinux.org/"\n';
    expect(parseOsRelease(text)).toEqual({ id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19' });
  });

  it('debian with comments, blank lines, CRLF and single quotes', () => {
    const text = '# comment\r\n\r\nPRETTY_NAME=\'Debian GNU/Linux 12 (bookworm)\'\r\nVERSION_ID="12"\r\nID=debian\r\n';
    expect(parseOsRelease(text)).toEqual({ id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  });

  it('unescapes backslashes inside double quotes only', () => {
    const f = parseOsReleaseFields('A="say \\"hi\\" \\$HOME \\\\ \\`x\\`"\nB=\'raw \\"\'\n');
    expect(f.get('A')).toBe('say "hi" $HOME \\ `x`');
    expect(f.get('B')).toBe('raw \\"');
  });

  it('missing and empty fields are null; later assignments win; junk lines skipped', () => {
    expect(parseOsRelease('ID=\nID=arch\nnot a line\n=x\nVERSION_ID=""\n')).toEqual({ id: 'arch', versionId: null, prettyName: null });
    expect(parseOsRelease('')).toEqual({ id: null, versionId: null, prettyName: null });
  });
});
