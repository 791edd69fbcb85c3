/**
 * childMap.ts: a directory's children are a native Map up to WIDE (64) and a
 * persistent map above it; a finished view's map is never changed by the
 * edits of a later layer (each edit works on a private copy).
 */
import { deleteChild, editable, noChildren, sealed, setChild, type EditableChildren } from '../../src/domain/childMap';
import { impliedDir, type ChildMap, type MergedNode } from '../../src/domain/mergedNode';

const node = (name: string): MergedNode => ({ entry: impliedDir(`/${name}`, 0, 'sha256:x'), children: null });
const names = (m: ChildMap): string[] => [...m].map(([k]) => k).sort();
const fill = (n: number, into: EditableChildren = noChildren()): EditableChildren => {
  let m = into;
  for (let i = 0; i < n; i++) m = setChild(m, `f${String(i).padStart(3, '0')}`, node(`f${i}`));
  return m;
};

describe('childMap: native up to WIDE children, persistent above', () => {
  test('64 children stay in the same native Map; the 65th makes it persistent, holding all 65', () => {
    const m = noChildren();
    expect(m).toBeInstanceOf(Map);
    const at64 = fill(64, m);
    expect(at64).toBe(m);
    expect(at64).toBeInstanceOf(Map);
    const at65 = setChild(at64, 'zzz', node('zzz'));
    expect(at65).not.toBeInstanceOf(Map);
    const done = sealed(at65);
    expect(done.size).toBe(65);
    expect(done.has('zzz') && done.has('f000') && done.has('f063')).toBe(true);
    expect(done.get('f010')?.entry.path).toBe('/f10');
  });

  test('deleting from a native map deletes in place', () => {
    const m = fill(3);
    expect(deleteChild(m, 'f001')).toBe(m);
    expect(names(sealed(m))).toEqual(['f000', 'f002']);
  });

  test('deleting from a persistent map: the child is gone from the map returned', () => {
    const m = deleteChild(fill(70), 'f001');
    const done = sealed(m);
    expect(done.size).toBe(69);
    expect(done.has('f001')).toBe(false);
    expect(done.has('f002')).toBe(true);
  });
});

describe('childMap: a finished map is never changed by later edits', () => {
  test('an editable copy of a native map: setting and deleting leave the original as it was', () => {
    const finished = sealed(fill(3));
    const copy = editable(finished);
    expect(copy).not.toBe(finished);
    setChild(copy, 'new', node('new'));
    deleteChild(copy, 'f000');
    expect(names(finished)).toEqual(['f000', 'f001', 'f002']);
    expect(names(sealed(copy))).toEqual(['f001', 'f002', 'new']);
  });

  test('an editable copy of a persistent map: setting and deleting leave the original as it was', () => {
    const finished = sealed(fill(70));
    expect(finished).not.toBeInstanceOf(Map);
    let copy = editable(finished);
    expect(copy).not.toBeInstanceOf(Map); // a wide map's copy stays persistent: O(1), not a copy of 70 children
    copy = setChild(copy, 'new', node('new'));
    copy = deleteChild(copy, 'f000');
    expect(finished.size).toBe(70);
    expect(finished.has('new')).toBe(false);
    expect(finished.has('f000')).toBe(true);
    const after = sealed(copy);
    expect(after.size).toBe(70);
    expect(after.has('new')).toBe(true);
    expect(after.has('f000')).toBe(false);
  });

  test('a sealed persistent map is immutable: a second copy made from it sees none of the first copy\'s edits', () => {
    const finished = sealed(fill(66));
    const a = setChild(editable(finished), 'only-in-a', node('a'));
    const b = editable(finished);
    expect(sealed(a).has('only-in-a')).toBe(true);
    expect(sealed(b).has('only-in-a')).toBe(false);
    expect(sealed(b).size).toBe(66);
  });
});
