/**
 * sha256 over bytes or UTF-8 text, the one implementation every layer uses
 * (src/domain takes it injected, as Sha256Hex, since it does no I/O itself).
 */
import { createHash } from 'node:crypto';
import type { Sha256Hex } from '../domain/digest';

/** 64 lower-case hex digits. */
export const sha256Hex: Sha256Hex = (input) => createHash('sha256').update(input).digest('hex');
/** `sha256:<hex>`, the form of digests in OCI documents and in Strata's events. */
export const sha256Digest = (input: string | Uint8Array): string => `sha256:${sha256Hex(input)}`;
