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

describe('os-release(5) edges (issue 25, second pass)', () => {
  it('a quote is stripped only when the value opens and closes with the same quote', () => {
    const f = parseOsReleaseFields('A="\nB=\'\nC="x\'\nD=\'x"\nE=""\nF=\'\'\nG="x"y\n');
    expect([...f]).toEqual([['A', '"'], ['B', "'"], ['C', '"x\''], ['D', '\'x"'], ['E', ''], ['F', ''], ['G', '"x"y']]);
    expect(parseOsRelease("ID=''\nVERSION_ID='1'\n")).toEqual({ id: null, versionId: '1', prettyName: null });
  });

  it('inside double quotes only \\\\ \\" \\$ \\` are escapes; any other backslash stays', () => {
    expect(parseOsReleaseFields('A="a\\nb\\tc\\\\d"\n').get('A')).toBe('a\\nb\\tc\\d');
    expect(parseOsReleaseFields('A="\\$1 and \\$2"\n').get('A')).toBe('$1 and $2');
    expect(parseOsReleaseFields('A=a\\"b\n').get('A')).toBe('a\\"b');
  });

  it('spaces around the key, the value and the line are trimmed', () => {
    expect(parseOsRelease('  ID = alpine \n\tVERSION_ID=  "3.19"  \n')).toEqual({ id: 'alpine', versionId: '3.19', prettyName: null });
  });

  it('keys are shell names: a letter or underscore, then letters, digits, underscores; others are skipped', () => {
    const f = parseOsReleaseFields('1ID=a\nID-X=b\nX.Y=c\n_K=d\nk9_z=e\nA B=f\n#ID=g\n   # ID=h\n');
    expect([...f]).toEqual([['_K', 'd'], ['k9_z', 'e']]);
  });

  it('a value may contain "=" (only the first one separates)', () => {
    expect(parseOsReleaseFields('HOME_URL="https://x/?a=b"\n').get('HOME_URL')).toBe('https://x/?a=b');
  });
});
