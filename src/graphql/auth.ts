import { createHash, timingSafeEqual } from 'node:crypto';
import type { GraphQLError, OperationTypeNode } from 'graphql';
import { codedError } from './errors';

/** Tokens from the environment (cli.md): a write token, and an optional read token. */
export interface AuthConfig {
  /** Without one nobody can write: the CLI generates one when $STRATA_WRITE_TOKEN is unset. */
  writeToken?: string;
  /** When set, reads need it (or the write token); otherwise reads are open. */
  readToken?: string;
}

/** What createContext receives: the actor recorded in events and whether writes are allowed. */
export interface ContextAuth {
  actor: string | null;
  canWrite: boolean;
}

/** The full outcome of authenticating one request or WebSocket connection. */
export interface RequestAuth extends ContextAuth {
  /** none: no credentials; invalid: credentials that match no token. */
  credential: 'none' | 'invalid' | 'read' | 'write';
  canRead: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality: hashing first gives equal lengths and hides the token's length. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** `Bearer <token>` → token; anything else → undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** Stable, non-secret name for a token: enough to tell tokens apart in the log. */
export const tokenActor = (token: string) => `token:${sha256(token).toString('hex').slice(0, 8)}`;

/** A claimed actor name is kept only when short and printable (it is stored in events for ever). */
function cleanActor(claimed: string | undefined): string | undefined {
  const s = claimed?.trim();
  return s && s.length <= 128 && /^[\x20-\x7e]+$/.test(s) ? s : undefined;
}

/**
 * Authenticates from an Authorization value (HTTP header, or graphql-ws
 * connectionParams.authorization) and an optional X-Strata-Actor claim,
 * which is honoured only with a valid token.
 */
export function authenticate(config: AuthConfig, authorization: string | undefined, actorClaim?: string): RequestAuth {
  const readsOpen = !config.readToken;
  if (authorization === undefined || authorization === '') {
    return { credential: 'none', actor: null, canRead: readsOpen, canWrite: false };
  }
  const token = bearerToken(authorization);
  // Compare against both tokens every time so timing does not reveal which matched.
  const isWrite = token !== undefined && !!config.writeToken && tokensEqual(token, config.writeToken);
  const isRead = token !== undefined && !!config.readToken && tokensEqual(token, config.readToken);
  if (!token || (!isWrite && !isRead)) {
    return { credential: 'invalid', actor: null, canRead: false, canWrite: false };
  }
  const actor = cleanActor(actorClaim) ?? tokenActor(token);
  return { credential: isWrite ? 'write' : 'read', actor, canRead: true, canWrite: isWrite };
}

/**
 * May this caller run an operation of this type? Returns the error to send, or
 * null. A wrong token is refused even for open reads: a client with a stale
 * token should find out rather than silently lose its identity.
 */
export function authorizeOperation(auth: RequestAuth,
  operation: OperationTypeNode | 'query' | 'mutation' | 'subscription'): GraphQLError | null {
  if (auth.credential === 'invalid') return unauthenticated('The token is not valid');
  if (operation === 'mutation') {
    if (auth.canWrite) return null;
    if (auth.credential === 'read') return codedError('FORBIDDEN', 'The read token cannot run mutations; use the write token', 403);
    return unauthenticated('Mutations need Authorization: Bearer <write token>');
  }
  return auth.canRead ? null : unauthenticated('Reads need Authorization: Bearer <read token>');
}

const unauthenticated = (message: string) =>
  codedError('UNAUTHENTICATED', message, 401, { 'www-authenticate': 'Bearer' });
