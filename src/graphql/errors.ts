import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDomainError, type ErrorCode } from '../domain/errors';
import type { Logger } from './logger';
import { storageFault } from '../eventStore/faults';

/** Codes a client can act on: their messages are written for people and shown as is. */
const PUBLIC_CODES = new Set<string>([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUERY_TOO_COMPLEX',
  // A storage fault: retry later (HTTP 503, Retry-After). See faults.ts.
  'UNAVAILABLE',
  // A mutation that ran out of time may still commit: retry with the same idempotency key.
  'OUTCOME_UNKNOWN',
]);

/**
 * Apollo's own request-level codes (a malformed document, an unknown operation…).
 * The contract (cli.md) lists a closed set of codes, so these become
 * BAD_USER_INPUT; the original stays in extensions.reason for debugging.
 */
const REQUEST_CODES = new Set<string>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export const INTERNAL_MESSAGE = 'Internal server error';
const TAMPERED_MESSAGE = 'The event log failed its integrity check';

const DOMAIN_TO_PUBLIC: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INVALID_ARCHIVE: 'BAD_USER_INPUT',
  TAMPERED: 'INTERNAL_SERVER_ERROR',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
};

export interface Classified {
  code: string;
  message: string;
  /** False when the message was replaced: the original must be logged, never sent. */
  exposed: boolean;
  extensions?: Record<string, unknown>;
}

/** Decides what a client may see of an error (the single place that does). */
export function classifyError(error: unknown): Classified {
  const inner = unwrapResolverError(error);
  if (isDomainError(inner)) {
    const code = DOMAIN_TO_PUBLIC[inner.code];
    if (inner.code === 'TAMPERED') return { code, message: TAMPERED_MESSAGE, exposed: false };
    if (!PUBLIC_CODES.has(code)) return { code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE, exposed: false };
    const extensions = inner.details ? { details: inner.details } : undefined;
    return { code, message: inner.message, exposed: true, extensions };
  }
  if (inner instanceof GraphQLError) {
    const code = inner.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) return { code, message: inner.message, exposed: true };
    if (typeof code === 'string' && REQUEST_CODES.has(code)) {
      return { code: 'BAD_USER_INPUT', message: inner.message, exposed: true, extensions: { reason: code } };
    }
    // graphql-js reports request errors (validation, variable coercion) as
    // GraphQLErrors with no path and no code; errors with a path come from resolvers.
    if (code === undefined && !inner.path && !(inner.originalError && !(inner.originalError instanceof GraphQLError))) {
      return { code: 'BAD_USER_INPUT', message: inner.message, exposed: true };
    }
  }
  const fault = storageFault(inner);
  if (fault) return { code: 'UNAVAILABLE', message: `The database is unavailable (${fault}); nothing was written, retry later`,
    exposed: false };
  return { code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE, exposed: false };
}

/** Apollo `formatError` (and the WebSocket path): the client's view of an error. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const c = classifyError(error);
  const out: GraphQLFormattedError = {
    message: clipMessage(c.message),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { ...clipValues(c.extensions), code: c.code },
  };
  return out;
}

/** Longest message sent: graphql-js quotes input values, and an input may be megabytes. */
export const MAX_MESSAGE_CHARS = 1000;

/** Keeps the start and end of an over-long message (the parts that say what went wrong). */
export function clipMessage(message: string, max = MAX_MESSAGE_CHARS): string {
  if (message.length <= max) return message;
  const keep = Math.floor((max - 40) / 2);
  return `${message.slice(0, keep)}… (${message.length - 2 * keep} characters omitted) …${message.slice(-keep)}`;
}

/** Details (the refs and names an error is about) clipped like messages. */
function clipValues<T>(v: T): T {
  if (typeof v === 'string') return clipMessage(v) as T;
  if (Array.isArray(v)) return v.map(clipValues) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clipValues(x)])) as T;
  return v;
}

/** Logs, with their stack, the errors whose message the client does not see. */
export function logMaskedErrors(logger: Logger, errors: readonly unknown[], bindings: Record<string, unknown> = {}): void {
  for (const error of errors) {
    const c = classifyError(error);
    if (c.exposed) continue;
    const inner = unwrapResolverError(error);
    const path = error instanceof GraphQLError ? error.path : undefined;
    // A storage fault is the operator's to fix, not a bug: one line, no stack.
    if (c.code === 'UNAVAILABLE') logger.warn({ ...bindings, path, fault: c.message, errCode: (inner as { code?: unknown })?.code },
      'storage unavailable');
    else logger.error({ ...bindings, err: inner, path }, 'masked internal error');
  }
}

/** A GraphQL error with a contract code and the HTTP status Apollo should answer with. */
export function codedError(code: string, message: string, status?: number, headers?: Record<string, string>): GraphQLError {
  const http = status ? { status, headers: new Map(Object.entries(headers ?? {})) } : undefined;
  return new GraphQLError(message, { extensions: { code, ...(http ? { http } : {}) } });
}

/** Body of a response the server writes itself (before or instead of Apollo). */
export function errorBody(code: string, message: string, extensions?: Record<string, unknown>): string {
  return JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] });
}
