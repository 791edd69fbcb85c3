/** Relay cursor connections over in-memory lists and log positions. */
import type { GraphQLResolveInfo } from 'graphql';
import { badInput } from '../../domain/errors';
import { leafList } from '../leafLists';

export const MAX_FIRST = 1000;

export function pageSize(first: number | null | undefined, fallback = 50): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw badInput(`first must be a non-negative integer, got ${n}`);
  if (n > MAX_FIRST) throw badInput(`first is capped at ${MAX_FIRST}, got ${n}`);
  return n;
}

export const encodeCursor = (kind: string, value: string | number) => Buffer.from(`${kind}:${value}`).toString('base64');

export function decodeCursor(kind: string, cursor: string | null | undefined): string | null {
  if (cursor == null) return null;
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (!text.startsWith(`${kind}:`) || encodeCursor(kind, text.slice(kind.length + 1)) !== cursor) {
    throw badInput(`"${cursor}" is not a cursor of this list`);
  }
  return text.slice(kind.length + 1);
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * A connection's `edges` resolver: the page's edges answered as JSON text when
 * the executor asks for it and the selection allows (leafLists.ts), else the edges.
 */
export const edgesAsText = <T>(c: Connection<T>, _a: unknown, ctx: unknown, info?: GraphQLResolveInfo) => leafList(c.edges, ctx, info);

/**
 * An edge whose cursor is encoded when a query reads it: a page of 1,000 asks
 * for its `pageInfo.endCursor`, rarely for every edge's cursor, and encoding
 * each one (a Buffer and a base64 string) was a tenth of a merged-view page's
 * execution (issue 19 item 5, third pass). A getter, so the default resolvers
 * of both engines read it like the plain property it was.
 */
class LazyEdge<T> {
  constructor(readonly node: T, private readonly cursorOf: (n: T) => string) {}
  get cursor(): string { return this.cursorOf(this.node); }
}

/** The same for offset cursors: the edge keeps its index. */
class OffsetEdge<T> {
  constructor(readonly node: T, private readonly kind: string, private readonly index: number) {}
  get cursor(): string { return encodeCursor(this.kind, this.index); }
}

export function connectionOf<T>(nodes: T[], cursorOf: (n: T) => string, totalCount: number, hasNextPage: boolean,
  hasPreviousPage: boolean): Connection<T> {
  const edges = nodes.map((node) => new LazyEdge(node, cursorOf));
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
    totalCount,
  };
}

/**
 * A page of an in-memory list by offset cursors; `node` maps each element of
 * the page to the object served (one pass, one edge object per element).
 */
export function offsetConnection<T, N = T>(all: readonly T[], first: number | null | undefined, after: string | null | undefined,
  kind: string, fallback = 50, node: (element: T) => N = (e) => e as unknown as N): Connection<N> {
  const size = pageSize(first, fallback);
  const a = decodeCursor(kind, after);
  const start = a === null ? 0 : Number(a) + 1;
  if (!Number.isInteger(start) || start < 0) throw badInput('invalid cursor');
  const end = Math.min(all.length, start + size);
  const edges: Connection<N>['edges'] = [];
  for (let i = start; i < end; i++) edges.push(new OffsetEdge(node(all[i]!), kind, i));
  return {
    edges,
    pageInfo: { hasNextPage: start + size < all.length, hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null, endCursor: edges[edges.length - 1]?.cursor ?? null },
    totalCount: all.length,
  };
}
