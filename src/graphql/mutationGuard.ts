/**
 * Checks every mutation's arguments before its resolver runs: each string
 * (however deep in an input object or list) must be text the log can store
 * byte for byte (src/domain/text.ts), otherwise the mutation is refused with
 * BAD_USER_INPUT and appends nothing — the same on SQLite and PostgreSQL.
 * It also ties an idempotency key to this request (operation = the field's
 * name, a digest of its arguments): a key used for another request is a
 * CONFLICT before anything is decided (src/application/idempotency.ts).
 */
import { badInput } from '../domain/errors';
import { findBadText } from '../domain/text';
import { checkKeyRequest, keyOfArgs, requestOf } from '../application/idempotency';

type Resolver = (parent: unknown, args: Record<string, unknown>, ctx: any, info: any) => unknown;

export function refuseUnstorableText(args: Record<string, unknown>): void {
  const bad = findBadText(args);
  if (bad) throw badInput(`argument ${bad.path} ${bad.problem}`, { argument: bad.path });
}

export function guardMutations<T extends Record<string, Resolver>>(resolvers: T): T {
  const guarded: Record<string, Resolver> = {};
  for (const [name, resolve] of Object.entries(resolvers)) {
    guarded[name] = async (parent, args, ctx, info) => {
      refuseUnstorableText(args ?? {});
      const request = requestOf(name, args ?? {});
      if (ctx?.app && ctx.canWrite) await checkKeyRequest(ctx.app, keyOfArgs(args ?? {}), request);
      // A per-field context: several mutations of one document each carry their own request.
      const fieldCtx = Object.create(ctx ?? null, { request: { value: request, enumerable: true } });
      return resolve(parent, args, fieldCtx, info);
    };
  }
  return guarded as T;
}
