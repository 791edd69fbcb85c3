/**
 * Checks every mutation's arguments before its resolver runs: each string
 * (however deep in an input object or list) must be text the log can store
 * byte for byte (src/domain/text.ts), otherwise the mutation is refused with
 * BAD_USER_INPUT and appends nothing — the same on SQLite and PostgreSQL.
 */
import { badInput } from '../domain/errors';
import { findBadText } from '../domain/text';

type Resolver = (parent: unknown, args: Record<string, unknown>, ctx: any, info: any) => unknown;

export function refuseUnstorableText(args: Record<string, unknown>): void {
  const bad = findBadText(args);
  if (bad) throw badInput(`argument ${bad.path} ${bad.problem}`, { argument: bad.path });
}

export function guardMutations<T extends Record<string, Resolver>>(resolvers: T): T {
  const guarded: Record<string, Resolver> = {};
  for (const [name, resolve] of Object.entries(resolvers)) {
    guarded[name] = (parent, args, ctx, info) => {
      refuseUnstorableText(args ?? {});
      return resolve(parent, args, ctx, info);
    };
  }
  return guarded as T;
}
