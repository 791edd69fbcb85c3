/**
 * The child maps of merged-view directories while a layer is applied
 * (mergedView.ts). A layer edits a private copy of each directory it touches;
 * copying a native Map costs its width, so a directory of 10,000 children
 * touched by each of 200 layers would cost O(layers × width) (issue 19).
 * Small directories (the vast majority) stay native Maps, cheapest to copy
 * and read; a directory that grows past WIDE children becomes a persistent
 * hash map (immutable's HAMT), whose copy is O(1) and whose edits copy
 * O(log₃₂ width) trie nodes. Measured in `npm run bench -- --only=merged`:
 * an all-persistent tree made ordinary (narrow) builds ~1.5× slower.
 */
import { Map as PersistentMap } from 'immutable';
import type { ChildMap, MergedNode } from './mergedNode';

/** Above this many children a directory's map is persistent. */
export const WIDE = 64;

/** An editable child map: a private native Map, or a transient (asMutable) persistent one. */
export type EditableChildren = Map<string, MergedNode> | PersistentMap<string, MergedNode>;

/** A private, editable copy of a finished view's child map: O(width ≤ WIDE) or O(1). */
export function editable(children: ChildMap): EditableChildren {
  if (children instanceof Map) return new Map(children as Map<string, MergedNode>);
  return (children as PersistentMap<string, MergedNode>).asMutable();
}

export const noChildren = (): EditableChildren => new Map();

/** Sets a child in place; the map returned replaces the argument (it changes kind when it grows wide). */
export function setChild(children: EditableChildren, name: string, node: MergedNode): EditableChildren {
  if (!(children instanceof Map)) return children.set(name, node);
  children.set(name, node);
  return children.size > WIDE ? PersistentMap(children).asMutable() : children;
}

/**
 * Removes a child in place; the map returned replaces the argument. Both kinds
 * edit in place: a transient persistent map changes and returns itself (what
 * Immutable's withMutations relies on), and it never changes kind on a delete.
 */
export function deleteChild(children: EditableChildren, name: string): EditableChildren {
  children.delete(name);
  return children;
}

/** The map a finished view keeps: a transient persistent map becomes immutable, so later edits copy. */
export function sealed(children: EditableChildren): ChildMap {
  return children instanceof Map ? children : children.asImmutable();
}
