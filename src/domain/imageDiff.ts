/**
 * File-level difference between two merged views (schema: ImageDiffEntry).
 * Walks both trees together and skips every subtree the two views share
 * (same node object: images on a common base share it), so diffing two images
 * that differ in their top layers costs about what those layers changed.
 */
import type { MergedEntry } from './layerEntry';
import type { MergedNode } from './mergedNode';
import type { MergedTree } from './mergedView';
import { sortByCodePoints } from './pathUtil';

export type ChangeKind = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ImageDiffEntry {
  path: string;
  change: ChangeKind;
  before: MergedEntry | null;
  after: MergedEntry | null;
}

/** Modified = content digest, size, mode, uid, gid, kind or link target differ; the providing layer alone does not count. */
export function sameFile(a: MergedEntry, b: MergedEntry): boolean {
  return a.kind === b.kind && a.size === b.size && a.contentDigest === b.contentDigest && a.mode === b.mode
    && a.uid === b.uid && a.gid === b.gid && a.linkTarget === b.linkTarget;
}

function addAll(node: MergedNode, change: 'ADDED' | 'DELETED', out: ImageDiffEntry[]): void {
  for (const child of node.children?.values() ?? []) {
    out.push({ path: child.entry.path, change, before: change === 'DELETED' ? child.entry : null,
      after: change === 'ADDED' ? child.entry : null });
    addAll(child, change, out);
  }
}

function diffChildren(a: MergedNode, b: MergedNode, out: ImageDiffEntry[]): void {
  if (a.children === b.children) return;
  const ac = a.children ?? new Map<string, MergedNode>();
  const bc = b.children ?? new Map<string, MergedNode>();
  for (const [name, na] of ac) {
    const nb = bc.get(name);
    if (!nb) {
      out.push({ path: na.entry.path, change: 'DELETED', before: na.entry, after: null });
      addAll(na, 'DELETED', out);
    } else diffNodes(na, nb, out);
  }
  for (const [name, nb] of bc) {
    if (ac.has(name)) continue;
    out.push({ path: nb.entry.path, change: 'ADDED', before: null, after: nb.entry });
    addAll(nb, 'ADDED', out);
  }
}

function diffNodes(a: MergedNode, b: MergedNode, out: ImageDiffEntry[]): void {
  if (a === b) return;
  if (a.entry !== b.entry && !sameFile(a.entry, b.entry)) {
    out.push({ path: b.entry.path, change: 'MODIFIED', before: a.entry, after: b.entry });
  }
  diffChildren(a, b, out);
}

/** Changes from view `a` to view `b`, sorted by code-point path order ("/" itself is never reported). */
export function diffMergedViews(a: MergedTree, b: MergedTree): ImageDiffEntry[] {
  const out: ImageDiffEntry[] = [];
  diffChildren(a.root, b.root, out);
  return sortByCodePoints(out, (d) => d.path);
}

