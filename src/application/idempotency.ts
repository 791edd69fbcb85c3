/**
 * Idempotency keys tied to their request (issue 15 item 6): a key remembers
 * the operation it was first used for and a digest of that request's input.
 * A retry (same key, same operation, same input) gets the first answer; the
 * same key with anything else is a CONFLICT — never the old, unrelated answer
 * with this request's change silently dropped. The store enforces it inside
 * the append transaction (so concurrent requests with one key cannot both
 * "win"); `checkKeyRequest` answers early, before a decision is made.
 */
import { sha256Digest } from '../support/sha256';
import { canonicalJson } from '../domain/canonicalJson';
import { keyUsedForAnotherRequest } from '../eventStore/appendCore';
import { recordedRequest } from '../eventStore/keyRequests';
import type { KeyedRequest } from '../eventStore/types';
import type { Strata } from './strata';

/** The input as a request means it: no idempotency key, and null the same as absent (the schema treats them alike). */
function meaning(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(meaning);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'idempotencyKey' || v === null || v === undefined) continue;
    out[k] = meaning(v);
  }
  return out;
}

export function requestOf(operation: string, input: unknown): KeyedRequest {
  return { operation, inputDigest: sha256Digest(canonicalJson(meaning(input))) };
}

/** The key of a mutation's arguments: top level, or inside its `input` object. */
export function keyOfArgs(args: Record<string, unknown>): string | null {
  const top = args.idempotencyKey;
  if (typeof top === 'string') return top;
  const inner = (args.input as Record<string, unknown> | undefined)?.idempotencyKey;
  return typeof inner === 'string' ? inner : null;
}

/** CONFLICT when `key` was recorded for another request; nothing when it is new, legacy (no request stored) or the same request. */
export async function checkKeyRequest(app: Strata, key: string | null, request: KeyedRequest): Promise<void> {
  if (!key) return;
  const recorded = await recordedRequest(app.store, key);
  if (recorded && (recorded.operation !== request.operation || recorded.inputDigest !== request.inputDigest)) {
    throw keyUsedForAnotherRequest(recorded.operation);
  }
}
