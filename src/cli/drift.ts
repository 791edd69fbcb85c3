/**
 * `strata drift [TAG] [--json]`: images built on an earlier target of a base
 * tag (docs/domain.md §4, base drift), most behind first, read through the
 * same GraphQL schema the server answers with (Query.drift), so the CLI and
 * the API never disagree. Exit 0 whether or not anything is behind; 2 for a
 * malformed tag or one the ledger has never known.
 */
import { graphql } from 'graphql';
import { Strata } from '../application/strata';
import { DomainError, type ErrorCode } from '../domain/errors';
import { shortId } from '../domain/digest';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext } from '../graphql/resolvers/context';
import { cliActor, ExitError } from './output';

const PAGE = `query Drift($tag: String, $after: String) { drift(tag: $tag, first: 1000, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { tag movesBehind since image { imageId repoTags } builtOn { imageId repoTags } current { imageId repoTags } } } } }`;

interface ImageRef { imageId: string; repoTags: string[] }
export interface DriftRow { tag: string; movesBehind: number; since: string; image: ImageRef; builtOn: ImageRef; current: ImageRef }

async function fetchAll(app: Strata, tag: string | null): Promise<DriftRow[]> {
  const schema = buildExecutableSchema(app.store);
  const rows: DriftRow[] = [];
  for (let after: string | null = null; ;) {
    const r = await graphql({
      schema, source: PAGE, variableValues: { tag, after },
      contextValue: createContext(app, { actor: cliActor(), canWrite: false }),
    });
    if (r.errors?.length) {
      const e = r.errors[0]!;
      const code = (e.extensions?.code as ErrorCode | undefined) ?? (e.originalError as DomainError | undefined)?.code;
      // A tag that names nothing is bad input to the command, as an unknown image is to `strata diff`.
      if (code === 'NOT_FOUND') throw new ExitError(e.message, 2);
      throw new DomainError(code ?? 'INTERNAL_SERVER_ERROR', e.message);
    }
    const conn = (r.data as any).drift;
    rows.push(...conn.edges.map((x: { node: DriftRow }) => x.node));
    if (!conn.pageInfo.hasNextPage) return rows;
    after = conn.pageInfo.endCursor;
  }
}

/** The image's first tag, else its short ID (an old target has usually lost its tags). */
const named = (i: ImageRef) => i.repoTags[0] ?? shortId(i.imageId);

export function renderDrift(rows: readonly DriftRow[], tag: string | null): string {
  if (rows.length === 0) return tag === null ? 'no image is behind on a base tag\n' : `no image is behind on ${tag}\n`;
  const head = ['IMAGE', 'BASE TAG', 'BUILT ON', 'CURRENT', 'MOVES BEHIND', 'SINCE'];
  const cells = rows.map((r) => [named(r.image), r.tag, shortId(r.builtOn.imageId), shortId(r.current.imageId), String(r.movesBehind),
    r.since]);
  const all = [head, ...cells];
  const width = head.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const lines = all.map((c) => c.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd());
  const images = new Set(rows.map((r) => r.image.imageId)).size;
  const tags = new Set(rows.map((r) => r.tag)).size;
  lines.push('', `${images} image${images === 1 ? '' : 's'} behind on ${tags} base tag${tags === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

export async function driftCommand(tag: string | undefined, opts: { db?: string; json?: boolean }): Promise<void> {
  const app = await Strata.open(opts.db);
  try {
    const rows = await fetchAll(app, tag ?? null);
    process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : renderDrift(rows, tag ?? null));
  } finally {
    await app.close();
  }
}
