/**
 * Every failure of an import surfaces as one DomainError with a one-line
 * reason (contract cli.md: "a one-line reason on standard error").
 */
import { DomainError, invalidArchive } from '../domain/errors';
import { oneLine } from '../support/oneLine';

/** Wraps any error (zlib, tar-stream, fzstd, fs) as INVALID_ARCHIVE with context. */
export function asArchiveError(e: unknown, context: string): DomainError {
  if (e instanceof DomainError) {
    if (e.code !== 'INVALID_ARCHIVE' || e.message.startsWith(context) || e.details?.['global']) return e;
    return invalidArchive(oneLine(`${context}: ${e.message}`), e.details);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return invalidArchive(oneLine(`${context}: ${msg}`));
}
