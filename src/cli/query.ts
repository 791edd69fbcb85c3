/** `strata query DOCUMENT`: one GraphQL operation straight on the database, same schema as the server. */
import fs from 'node:fs';
import { graphql } from 'graphql';
import { Strata } from '../application/strata';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext } from '../graphql/resolvers/context';
import { formatError } from '../graphql/errors';
import { badInput } from '../domain/errors';
import { cliActor } from './output';

export async function query(document: string, opts: { variables?: string; db?: string; blobs?: string }): Promise<number> {
  const source = fs.existsSync(document) && fs.statSync(document).isFile() ? fs.readFileSync(document, 'utf8') : document;
  let variables: Record<string, unknown> | undefined;
  if (opts.variables) {
    try { variables = JSON.parse(opts.variables); } catch { throw badInput('--variables is not valid JSON'); }
  }
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
    const schema = buildExecutableSchema(app.store);
    const result = await graphql({ schema, source, variableValues: variables,
      contextValue: createContext(app, { actor: cliActor(), canWrite: true }) });
    const out = { ...result, errors: result.errors?.map((e) => formatError(e.toJSON(), e)) };
    if (!out.errors) delete out.errors;
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return result.errors?.length ? 1 : 0;
  } finally {
    await app.close();
  }
}
