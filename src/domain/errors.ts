/**
 * Errors the domain raises, each with a code a client can act on.
 * The codes are the GraphQL `extensions.code` values of the contract
 * (docs/cli.md), so the API maps them one to one.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'QUERY_TOO_COMPLEX'
  | 'INVALID_ARCHIVE'
  | 'TAMPERED'
  | 'INTERNAL_SERVER_ERROR';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new DomainError('NOT_FOUND', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('CONFLICT', message, details);
export const invalidArchive = (message: string, details?: Record<string, unknown>) =>
  new DomainError('INVALID_ARCHIVE', message, details);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
