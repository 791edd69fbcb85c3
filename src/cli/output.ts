/** CLI output rules: one-line reasons on stderr, never a stack trace (STRATA_DEBUG=1 shows it). */
import { userInfo } from 'node:os';
import { DomainError } from '../domain/errors';
import { oneLine } from '../support/oneLine';

export class ExitError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); }
}

/** The reason a command failed, as one line of at most 2000 characters. */
export function reasonOf(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e)).slice(0, 2000);
}

export function reportAndExit(e: unknown): never {
  const code = e instanceof ExitError ? e.exitCode : e instanceof DomainError && e.code === 'BAD_USER_INPUT' ? 2 : 1;
  const label = e instanceof DomainError ? e.code.toLowerCase().replace(/_/g, ' ') : '';
  const prefix = label && !reasonOf(e).toLowerCase().startsWith(label) ? `${label}: ` : '';
  process.stderr.write(`strata: ${prefix}${reasonOf(e)}\n`);
  if (process.env.STRATA_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(code);
}

/** Who the CLI acts as: the OS account (access to the database is the CLI's authority). */
export function cliActor(): string {
  let name = process.env.USER || process.env.LOGNAME;
  if (!name) {
    try { name = userInfo().username; } catch { name = 'unknown'; }
  }
  return `cli:${name}`;
}
