import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * os-release(5) says the file is a shell-compatible list of assignments ("it should be possible
 * to source the configuration from Bourne shell scripts"): /bin/sh, sourcing the same text, is
 * the oracle for every file that follows the format. The texts are os-release files as these
 * distributions ship them (Debian's copied from this machine's /etc/os-release), plus one that
 * uses every quoting form the format allows.
 */
describe('os-release(5): the shell that sources the file is the oracle', () => {
  /** Every variable the file assigns, as `sh` sees it after `. file` (the empty environment's own names dropped). */
  function sourced(text: string): Map<string, string> {
    const dir = mkdtempSync(join(tmpdir(), 'os-release-'));
    try {
      const file = join(dir, 'os-release');
      writeFileSync(file, text);
      const out = execFileSync('/bin/sh', ['-c', 'set -a; . "$1"; env -0', 'sh', file], { env: {}, encoding: 'utf8' });
      const own = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);
      return new Map(out.split('\0').filter((kv) => kv !== '').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string])
        .filter(([k]) => !own.has(k)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const files: Record<string, string> = {
    'debian 12': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\n'
      + 'VERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\n'
      + 'BUG_REPORT_URL="https://bugs.debian.org/"\n',
    'alpine 3.19': 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'
      + 'HOME_URL="https://alpinelinux.org/"\nBUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"\n',
    'ubuntu 22.04': 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\n'
      + 'VERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\n'
      + 'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\n'
      + 'PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\nUBUNTU_CODENAME=jammy\n',
    'fedora 39': 'NAME="Fedora Linux"\nVERSION="39 (Container Image)"\nID=fedora\nVERSION_ID=39\nVERSION_CODENAME=""\n'
      + 'PLATFORM_ID="platform:f39"\nPRETTY_NAME="Fedora Linux 39 (Container Image)"\nANSI_COLOR="0;38;2;60;110;180"\n'
      + 'LOGO=fedora-logo-icon\nCPE_NAME="cpe:/o:fedoraproject:fedora:39"\nDEFAULT_HOSTNAME="fedora"\n'
      + 'HOME_URL="https://fedoraproject.org/"\nSUPPORT_END=2024-11-12\nVARIANT="Container Image"\nVARIANT_ID=container\n',
    'arch': 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\nANSI_COLOR="38;2;23;147;209"\n'
      + 'HOME_URL="https://archlinux.org/"\nLOGO=archlinux-logo\n',
    'every quoting form, comments and blank lines': '# written by hand to the letter of os-release(5)\n\n'
      + 'NAME=\'Single "quoted" $NOT expanded\'\nPRETTY_NAME="Escapes: \\"q\\" \\$HOME \\\\ \\`tick\\` and a\\tplain backslash"\n'
      + 'ID=plain_value-1.0\nVERSION_ID=\nVERSION_ID="2"\nEMPTY=""\n  # an indented comment\n',
  };

  it.each(Object.entries(files))('%s: the parser reads what /bin/sh reads', (_name, text) => {
    const expected = sourced(text);
    expect(expected.size).toBeGreaterThan(2); // the oracle did read the file
    expect(new Map([...parseOsReleaseFields(text)].sort())).toEqual(new Map([...expected].sort()));
  });

  it('a line with no "=" assigns nothing (sh would run it as a command; the parser skips it)', () => {
    expect([...parseOsReleaseFields('ID\nVERSION_ID\nID=debian\nPRETTY\n')]).toEqual([['ID', 'debian']]);
  });
});
