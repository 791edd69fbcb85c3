/**
 * `strata bases [--min-images N] [--json]`: the shared layer stacks (unnamed
 * bases, docs/domain.md §4) as a tree, read through the same GraphQL schema
 * the server answers with, so the CLI and the API never disagree.
 */
import { graphql } from 'graphql';
import { Strata } from '../application/strata';
import { badInput, DomainError, type ErrorCode } from '../domain/errors';
import { shortId } from '../domain/digest';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext } from '../graphql/resolvers/context';
import { cliActor } from './output';

const PAGE = `query Bases($min: Int!, $after: String) { baseChains(minImages: $min, first: 1000, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { chainId depth size distribution imageCount image { imageId repoTags } parent { chainId } } } } }`;

interface BaseRow {
  chainId: string; depth: number; size: number; distribution: string | null; imageCount: number;
  image: { imageId: string; repoTags: string[] } | null; parent: { chainId: string } | null;
}

export function parseMinImages(raw: string | undefined): number {
  if (raw === undefined) return 2;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 2) {
    throw badInput(`--min-images must be an integer >= 2 (a base is shared by at least two images), got "${raw}"`);
  }
  return n;
}

/** Docker's size style: decimal units, three significant digits. */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u += 1; }
  return u === 0 ? `${n}B` : `${v.toPrecision(3)}${units[u]}`;
}

async function fetchAll(app: Strata, min: number): Promise<BaseRow[]> {
  const schema = buildExecutableSchema(app.store);
  const rows: BaseRow[] = [];
  for (let after: string | null = null; ;) {
    const r = await graphql({
      schema, source: PAGE, variableValues: { min, after },
      contextValue: createContext(app, { actor: cliActor(), canWrite: false }),
    });
    if (r.errors?.length) {
      const e = r.errors[0]!;
      throw new DomainError(((e.extensions?.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR'), e.message);
    }
    const conn = (r.data as any).baseChains;
    rows.push(...conn.edges.map((x: { node: BaseRow }) => x.node));
    if (!conn.pageInfo.hasNextPage) return rows;
    after = conn.pageInfo.endCursor;
  }
}

/** One line per stack, each under its parent (the listing is already each root then its tree, depth first). */
export function renderBases(rows: readonly BaseRow[], min: number): string {
  if (rows.length === 0) return `no layer stack is shared by ${min} or more images\n`;
  const level = new Map<string, number>();
  const cells = rows.map((r) => {
    const l = r.parent && level.has(r.parent.chainId) ? level.get(r.parent.chainId)! + 1 : 0;
    level.set(r.chainId, l);
    const known = r.image ? (r.image.repoTags[0] ?? shortId(r.image.imageId)) : '-';
    const name = `${'  '.repeat(l)}${l ? '└ ' : ''}${shortId(r.chainId)}`;
    return [name, String(r.depth), String(r.imageCount), humanBytes(r.size), r.distribution ?? '-', known];
  });
  const head = ['BASE CHAIN', 'LAYERS', 'IMAGES', 'SIZE', 'DISTRIBUTION', 'KNOWN AS'];
  const all = [head, ...cells];
  const width = head.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const lines = all.map((c) => c.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd());
  const unnamed = rows.filter((r) => !r.image).length;
  const plural = rows.length === 1 ? '' : 's';
  lines.push('', `${rows.length} base chain${plural} shared by ${min} or more images (${unnamed} not known as an image)`);
  return `${lines.join('\n')}\n`;
}

export async function bases(opts: { db?: string; minImages?: string; json?: boolean }): Promise<void> {
  const min = parseMinImages(opts.minImages);
  const app = await Strata.open(opts.db);
  try {
    const rows = await fetchAll(app, min);
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : renderBases(rows, min));
  } finally {
    await app.close();
  }
}
