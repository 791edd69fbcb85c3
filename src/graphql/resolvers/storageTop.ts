/**
 * StorageReport.largestImages and topSharedLayers (schema/storage-top.graphql):
 * the top of the report's own lists, so a client charting a large fleet does
 * not download every image and layer (the dashboard's storage view).
 */
import { badInput } from '../../domain/errors';

interface Row { size: number }
interface Usage extends Row { key: string; imageCount: number }
/** storageReportOf's lists are thunks (built only when selected); a plain array is accepted too. */
type List<T> = T[] | (() => T[]);
interface Report { images: List<Row>; layers: List<Usage> }

const listOf = <T>(l: List<T>): T[] => (typeof l === 'function' ? l() : l);

const MAX = 1000;

function count(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX) throw badInput(`first must be an integer from 0 to ${MAX}, got ${first}`);
  return first;
}

const saved = (l: Usage) => l.size * (l.imageCount - 1);

export const storageTopResolvers = {
  /** Array.prototype.sort is stable: equal sizes keep the report's (commit) order. */
  largestImages: (r: Report, args: { first: number }) => [...listOf(r.images)].sort((a, b) => b.size - a.size).slice(0, count(args.first)),
  topSharedLayers: (r: Report, args: { first: number }) => listOf(r.layers).filter((l) => l.imageCount > 1)
    .sort((a, b) => saved(b) - saved(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, count(args.first)),
};
