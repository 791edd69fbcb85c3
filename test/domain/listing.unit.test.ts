/**
 * listing.ts on hand-built merged nodes: a directory's children or whole
 * subtree in code-point order of the full path, paged by a cursor (the path
 * of the last entry seen) and a page size (schema: Image.files).
 */
import { listNode, sortedSubtree } from '../../src/domain/listing';
import { impliedDir, type MergedNode } from '../../src/domain/mergedNode';

const file = (path: string): MergedNode => ({ entry: { ...impliedDir(path, 0, 'sha256:l0'), kind: 'FILE', mode: 0o644 }, children: null });
const dir = (path: string, ...kids: MergedNode[]): MergedNode => ({
  entry: impliedDir(path, 0, 'sha256:l0'),
  children: new Map(kids.map((k) => [k.entry.path.slice(k.entry.path.lastIndexOf('/') + 1), k])),
});
const paths = (page: { entries: { path: string }[] }) => page.entries.map((e) => e.path);

/**
 *   /            (children inserted in an order that is not path order)
 *   ├── a/       ├── b  └── deep/ ── x
 *   ├── a.c      (sorts before /a/b: '.' < '/')
 *   ├── empty/   (a directory with nothing below)
 *   └── z
 */
const tree = (): MergedNode =>
  dir('/', file('/z'), dir('/a', dir('/a/deep', file('/a/deep/x')), file('/a/b')), dir('/empty'), file('/a.c'));

describe('listNode: which entries, in which order', () => {
  it('lists the direct children of a directory in path order', () => {
    expect(paths(listNode(tree()))).toEqual(['/a', '/a.c', '/empty', '/z']);
  });

  it('recursive: every entry strictly below, empty directories included, in code-point order of the whole path', () => {
    expect(paths(listNode(tree(), { recursive: true }))).toEqual(['/a', '/a.c', '/a/b', '/a/deep', '/a/deep/x', '/empty', '/z']);
    expect(paths(listNode(dir('/e', dir('/e/d')), { recursive: true }))).toEqual(['/e/d']);
    expect(sortedSubtree(tree()).map((e) => e.path)).toEqual(['/a', '/a.c', '/a/b', '/a/deep', '/a/deep/x', '/empty', '/z']);
  });

  it('orders by code point, not UTF-16 code unit: U+FF5E sorts before U+1F600 (a surrogate pair)', () => {
    const n = dir('/', file('/\u{1F600}'), file('/\uFF5E'), file('/~'));
    expect(paths(listNode(n))).toEqual(['/~', '/\uFF5E', '/\u{1F600}']);
    expect(paths(listNode(n, { recursive: true }))).toEqual(['/~', '/\uFF5E', '/\u{1F600}']);
  });

  it('a missing node, a file and an empty directory list nothing', () => {
    const empty = { entries: [], totalCount: 0, hasNextPage: false };
    expect(listNode(null)).toEqual(empty);
    expect(listNode(null, { recursive: true, first: 2 })).toEqual(empty);
    expect(listNode(file('/f'))).toEqual(empty);
    expect(listNode(file('/f'), { recursive: true })).toEqual(empty);
    expect(listNode(dir('/d'))).toEqual(empty);
    expect(listNode(dir('/d'), { recursive: true })).toEqual(empty);
  });

  it('a node built later lists its own children, not those listed for an earlier node of the same path', () => {
    const before = tree();
    expect(paths(listNode(before))).toEqual(['/a', '/a.c', '/empty', '/z']);
    expect(listNode(before, { recursive: true }).totalCount).toBe(7);
    const after = dir('/', ...[...before.children!.values()], file('/m'));
    expect(paths(listNode(after))).toEqual(['/a', '/a.c', '/empty', '/m', '/z']);
    expect(listNode(after, { recursive: true }).totalCount).toBe(8);
    expect(paths(listNode(before))).toEqual(['/a', '/a.c', '/empty', '/z']);
  });
});

describe('listNode: pages', () => {
  const all = ['/a', '/a.c', '/a/b', '/a/deep', '/a/deep/x', '/empty', '/z'];

  it('first: at most that many entries; totalCount is the whole listing; hasNextPage says whether more follow', () => {
    expect(listNode(tree(), { recursive: true, first: 3 })).toMatchObject({ totalCount: 7, hasNextPage: true });
    expect(paths(listNode(tree(), { recursive: true, first: 3 }))).toEqual(all.slice(0, 3));
    expect(listNode(tree(), { recursive: true, first: 7 })).toMatchObject({ totalCount: 7, hasNextPage: false });
    expect(listNode(tree(), { recursive: true, first: 50 })).toMatchObject({ totalCount: 7, hasNextPage: false });
    expect(paths(listNode(tree(), { recursive: true, first: 50 }))).toEqual(all);
    expect(listNode(tree(), { recursive: true, first: null })).toMatchObject({ totalCount: 7, hasNextPage: false });
    expect(paths(listNode(tree(), { first: null }))).toEqual(['/a', '/a.c', '/empty', '/z']);
  });

  it('first: 0 is a valid, empty page that still counts the listing', () => {
    expect(listNode(tree(), { first: 0 })).toEqual({ entries: [], totalCount: 4, hasNextPage: true });
    expect(listNode(dir('/d'), { first: 0 })).toEqual({ entries: [], totalCount: 0, hasNextPage: false });
  });

  it('after: the page starts strictly after the cursor, whether or not the cursor is an entry', () => {
    expect(paths(listNode(tree(), { recursive: true, after: '/a.c' }))).toEqual(all.slice(2));
    expect(paths(listNode(tree(), { recursive: true, after: '/a/c', first: 2 }))).toEqual(['/a/deep', '/a/deep/x']);
    expect(paths(listNode(tree(), { recursive: true, after: '/' }))).toEqual(all);
    expect(paths(listNode(tree(), { recursive: true, after: '' }))).toEqual(all);
    expect(listNode(tree(), { recursive: true, after: '/z' })).toEqual({ entries: [], totalCount: 7, hasNextPage: false });
    expect(listNode(tree(), { recursive: true, after: '/zz' })).toEqual({ entries: [], totalCount: 7, hasNextPage: false });
    expect(listNode(tree(), { recursive: true, after: '/empty', first: 1 })).toEqual({ entries: [expect.objectContaining({ path: '/z' })], totalCount: 7, hasNextPage: false });
    expect(listNode(tree(), { recursive: true, after: '/a/deep', first: 1 })).toMatchObject({ totalCount: 7, hasNextPage: true });
    expect(paths(listNode(tree(), { after: null }))).toEqual(['/a', '/a.c', '/empty', '/z']);
  });

  it('walking the pages with each page\'s last path as the cursor yields the whole listing once, for every page size', () => {
    for (let size = 1; size <= 8; size++) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const page = listNode(tree(), { recursive: true, first: size, after });
        seen.push(...paths(page));
        if (!page.hasNextPage) break;
        after = seen[seen.length - 1]!;
      }
      expect(seen).toEqual(all);
    }
  });

  it('refuses a page size that is not a non-negative integer, saying so', () => {
    for (const first of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => listNode(tree(), { first })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', message: `first must be a non-negative integer, got ${first}` }));
      expect(() => listNode(null, { first })).toThrow(/first must be a non-negative integer/); // refused even for a missing directory
    }
  });
});
