/** Runs one GraphQL read on the database for commands that print from the ledger (history, df). */
import { graphql } from 'graphql';
import type { Strata } from '../application/strata';
import { buildExecutableSchema } from '../graphql/buildSchema';
import { createContext } from '../graphql/resolvers/context';
import { DomainError, type ErrorCode } from '../domain/errors';
import { cliActor } from './output';

export async function ledgerQuery<T>(app: Strata, source: string, variables: Record<string, unknown>): Promise<T> {
  const schema = buildExecutableSchema(app.store);
  const result = await graphql({ schema, source, variableValues: variables,
    contextValue: createContext(app, { actor: cliActor(), canWrite: false }) });
  if (result.errors?.length) {
    const e = result.errors[0]!;
    const code = (e.extensions?.code as string | undefined) ?? 'INTERNAL_SERVER_ERROR';
    throw new DomainError(code as ErrorCode, e.message);
  }
  return result.data as T;
}

export type AccountingOption = 'DOCKER' | 'CONTENT';

export function accountingOption(v: string | undefined): AccountingOption {
  const a = (v ?? 'docker').toUpperCase();
  if (a !== 'DOCKER' && a !== 'CONTENT') throw new DomainError('BAD_USER_INPUT', `--accounting must be docker or content, not "${v}"`);
  return a;
}

export function formatOption(v: string | undefined): 'table' | 'json' {
  const f = v ?? 'table';
  if (f !== 'table' && f !== 'json') throw new DomainError('BAD_USER_INPUT', `--format must be table or json, not "${v}"`);
  return f;
}
