/**
 * The tamper-evident chain: hash = sha256(prevHash + canonical(immutable fields)).
 * The immutable fields are everything stored about an event except the hashes
 * themselves: position, stream, version, type, schemaVersion, data, metadata
 * and the idempotency key. The first event's prevHash is 64 zeros.
 */
import crypto from 'node:crypto';
import { canonicalJson } from '../domain/canonicalJson';
import { canonicalText } from './canonicalText';
import type { StoredEvent } from './types';

/** One-shot sha256 (crypto.hash, Node >= 20.12): about half the cost of createHash for an event-sized input. */
const sha256Hex = (text: string): string => crypto.hash('sha256', text, 'hex');

export const GENESIS_HASH = '0'.repeat(64);

export type HashableEvent = Omit<StoredEvent, 'hash' | 'prevHash'>;

export function eventHash(prevHash: string, e: HashableEvent): string {
  const body = canonicalJson({
    position: e.position,
    stream: e.stream,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: e.metadata,
    idempotencyKey: e.idempotencyKey,
  });
  return sha256Hex(prevHash + body);
}

/**
 * eventHash with the canonical metadata computed once per append (all its
 * events share it): the same canonical text, written key by key in sorted
 * order (data, idempotencyKey, metadata, position, schemaVersion, stream,
 * type, version), so the same hash; test/eventStore/canonicalText.prop.test.ts
 * holds them equal.
 */
export function chainHash(prevHash: string, e: HashableEvent, metadataCanonical: string): string {
  const body = `{"data":${canonicalText(e.data)},"idempotencyKey":${canonicalText(e.idempotencyKey)},"metadata":${metadataCanonical}`
    + `,"position":${canonicalText(e.position)},"schemaVersion":${canonicalText(e.schemaVersion)},"stream":${canonicalText(e.stream)}`
    + `,"type":${canonicalText(e.type)},"version":${canonicalText(e.version)}}`;
  return sha256Hex(prevHash + body);
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  firstBadPosition: number | null;
  reason: string | null;
  headHash: string;
}

/**
 * Checks a run of events that continues a chain ending at (expectedPosition - 1, prevHash).
 * Detects edited rows (hash mismatch), deleted or reordered rows (position gap or
 * prevHash mismatch). Cannot detect truncation of the newest events on its own:
 * that needs an externally anchored head (`strata verify --expect-head`).
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private nextPosition = 1;
  checked = 0;
  firstBad: { position: number; reason: string } | null = null;

  feed(e: StoredEvent): void {
    if (this.firstBad) return;
    this.checked += 1;
    if (e.position !== this.nextPosition) {
      this.firstBad = { position: Math.min(e.position, this.nextPosition),
        reason: `expected position ${this.nextPosition}, found ${e.position} (a row was deleted or reordered)` };
      return;
    }
    if (e.prevHash !== this.prevHash) {
      this.firstBad = { position: e.position, reason: `prevHash does not match the hash of position ${e.position - 1}` };
      return;
    }
    const recomputed = eventHash(e.prevHash, e);
    if (recomputed !== e.hash) {
      this.firstBad = { position: e.position, reason: `the stored hash does not match the event's content (the row was edited)` };
      return;
    }
    this.prevHash = e.hash;
    this.nextPosition += 1;
  }

  result(): ChainCheck {
    return {
      ok: this.firstBad === null,
      checked: this.checked,
      firstBadPosition: this.firstBad?.position ?? null,
      reason: this.firstBad?.reason ?? null,
      headHash: this.prevHash,
    };
  }
}
