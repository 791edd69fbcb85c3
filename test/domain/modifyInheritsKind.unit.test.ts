/**
 * MODIFIED without `kind` keeps the lower entry's kind: a chmod names only the
 * mode, and is still a copy-up of the whole file (docs/domain.md §3).
 */
import { layerEntriesOf } from '../../src/domain/image/changeSet';
import type { LayerEntry } from '../../src/domain/layerEntry';

const lower: Record<string, LayerEntry> = {
  '/etc': { path: '/etc', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null },
  '/etc/passwd': { path: '/etc/passwd', kind: 'FILE', size: 110, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${'a'.repeat(64)}` },
  '/etc/alt': { path: '/etc/alt', kind: 'SYMLINK', size: 0, mode: 0o777, uid: 0, gid: 0, linkTarget: 'passwd', contentDigest: null },
  '/dev/null': { path: '/dev/null', kind: 'OTHER', size: 0, mode: 0o666, uid: 0, gid: 0, linkTarget: null, contentDigest: null },
  '/dev': { path: '/dev', kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null },
};
const lookup = (p: string) => lower[p] ?? null;

describe('MODIFIED without kind', () => {
  it('chmod of a file copies it up whole, keeping kind, size and content', () => {
    expect(layerEntriesOf([{ change: 'MODIFIED', path: '/etc/passwd', mode: 0o600 }], lookup)).toEqual([
      { path: '/etc/passwd', kind: 'FILE', size: 110, mode: 0o600, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${'a'.repeat(64)}` },
    ]);
  });

  it('chown of a symlink keeps its target', () => {
    expect(layerEntriesOf([{ change: 'MODIFIED', path: '/etc/alt', uid: 1000 }], lookup)).toEqual([
      { path: '/etc/alt', kind: 'SYMLINK', size: 0, mode: 0o777, uid: 1000, gid: 0, linkTarget: 'passwd', contentDigest: null },
    ]);
  });

  it('a kind-less directory modification lets its children be looked up through it', () => {
    const entries = layerEntriesOf([
      { change: 'MODIFIED', path: '/etc/passwd', size: 5 },
      { change: 'MODIFIED', path: '/etc', mode: 0o700 },
    ], lookup);
    expect(entries.map((e) => [e.path, e.kind, e.mode, e.size])).toEqual([['/etc', 'DIRECTORY', 0o700, 0], ['/etc/passwd', 'FILE', 0o644, 5]]);
  });

  it('still applies the field rules of the inherited kind', () => {
    expect(() => layerEntriesOf([{ change: 'MODIFIED', path: '/etc/alt', size: 10 }], lookup)).toThrow(/only a FILE has a size/);
  });

  it('refuses to guess over a device node, and ADDED still needs a kind', () => {
    expect(() => layerEntriesOf([{ change: 'MODIFIED', path: '/dev/null', mode: 0o600 }], lookup)).toThrow(/OTHER; name the kind/);
    expect(() => layerEntriesOf([{ change: 'ADDED', path: '/etc/new' }], lookup)).toThrow(/needs kind/);
  });
});
