/** One GraphQL-over-HTTP request into the operation counters (metrics.ts). */
import { rejectionReason, type Metrics } from './metrics';

/** What the request handler learnt about the operation (graphql/http.ts). */
export interface OperationRecord {
  type?: string;
  documentName?: string;
  /** Refused before Apollo saw it: auth (no token), body (size, media type, JSON), limits (variables). */
  early?: 'auth' | 'body' | 'limits';
}

const TYPES = new Set(['query', 'mutation', 'subscription']);

export function recordHttpOperation(m: Metrics, op: OperationRecord, errors: string[] | undefined, status: number, seconds: number) {
  const type = op.type && TYPES.has(op.type) ? op.type : 'unknown';
  const operation = op.type ? m.operationLabel(op.documentName) : 'anonymous';
  const code = errors?.[0];
  // Error codes come from graphql/errors.ts (a closed list); without one, the status class.
  const outcome = code ?? (status < 400 ? 'ok' : status < 500 ? 'HTTP_4XX' : 'HTTP_5XX');
  m.operations.inc({ transport: 'http', type, operation, outcome });
  if (code === 'CONFLICT') m.conflicts.inc();
  m.operationSeconds.observe({ type, operation }, seconds);
  // A document that never resolved to an operation was refused as invalid.
  const reason = op.early ?? rejectionReason(code) ?? (type === 'unknown' && code ? 'invalid' : null);
  if (reason) m.rejected.inc({ reason });
}
