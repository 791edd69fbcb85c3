/**
 * sha256 digests as OCI writes them: "sha256:" + 64 lowercase hex (image-spec descriptor.md#digests).
 * Hashing itself is injected (`Sha256Hex`) so this module stays free of I/O and node:crypto.
 */
import { badInput } from './errors';

export type Sha256Hex = (input: string | Uint8Array) => string;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HEX64 = /^[0-9a-f]{64}$/;

export const isDigest = (s: string): boolean => DIGEST.test(s);

/** Accepts "sha256:<hex>" or bare 64-hex; returns the canonical "sha256:<hex>". */
export function parseDigest(s: string, what = 'digest'): string {
  const lower = s.trim().toLowerCase();
  if (DIGEST.test(lower)) return lower;
  if (HEX64.test(lower)) return `sha256:${lower}`;
  throw badInput(`${what} "${s}" is not a sha256 digest (sha256:<64 hex>)`);
}

/** The empty tar (1024 zero bytes). */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/**
 * ChainIDs of a layer stack, bottom first (image-spec config.md#layer-chainid):
 * ChainID(L0) = DiffID(L0); ChainID(L0..n) = "sha256:" + hex(sha256(ChainID(L0..n-1) + " " + DiffID(Ln))).
 */
export function chainIdsOf(diffIds: readonly string[], sha256Hex: Sha256Hex): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : `sha256:${sha256Hex(`${prev} ${diffId}`)}`);
  }
  return out;
}

/** First 12 hex characters, as docker shows IDs. */
export const shortId = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);
