/**
 * The blob store port (docs/architecture.md "Blob store"): content-addressed
 * bytes — layer blobs as distributed, image configs, manifests — keyed by
 * "sha256:<hex>". Every implementation guarantees:
 *  - writes are streamed and digest-verified, and atomic: a reader never sees
 *    a partial blob (a blob is either absent or complete);
 *  - writes are deduplicated (writing a blob that exists is a cheap no-op);
 *  - reads are verified: a stream whose bytes do not hash to the digest ends
 *    with a BlobDamagedError naming the digest, never silently;
 *  - writers hold an IngestSession while they work, so gc never deletes a blob
 *    an unfinished import or commit has written or relies on.
 * The filesystem implementation (fsBlobStore.ts) is an OCI image layout; a
 * registry-backed one can implement the same port.
 */
import type { Readable } from 'node:stream';
import { DomainError } from '../domain/errors';

export interface BlobInfo { digest: string; size: number }

export interface Expected { digest?: string; size?: number }

/** A blob being written: chunks in, then commit (verify + publish) or abort. */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytes: number;
  /** "sha256:<hex>" of the bytes written so far (what commit will publish them as): callers need not hash them again. */
  digest(): string;
  /** Verifies against `expected`, makes the blob visible (or keeps the existing copy) and returns it. */
  commit(expected?: Expected): Promise<BlobInfo>;
  /** Drops what was written (idempotent). */
  abort(): Promise<void>;
}

/**
 * A blob file that another thread creates and writes (an import's layer scan, src/importers/rangeScan.ts,
 * hashing what it writes), then published here: synced, and made visible under that digest as a writer's commit does.
 */
export interface BlobCopyTarget {
  /** Where the other thread creates the file (it must not exist). */
  readonly path: string;
  /** The store, for messages. */
  readonly location: string;
  /** Syncs the written file and publishes it as `digest` (or keeps the existing copy). */
  publish(digest: string, size: number): Promise<BlobInfo>;
  /** Removes the file (idempotent). */
  abort(): Promise<void>;
}

/**
 * A write failure (the disk filling, permissions) as one line naming the store: it ends the import
 * (`global`), and the caller aborts, so nothing is published. A DomainError is passed on as it is.
 */
export function blobStoreWriteError(location: string, e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOSPC' ? 'no space left on device' : err.code === 'EDQUOT' ? 'disk quota exceeded' : err.message;
  return new DomainError('INTERNAL_SERVER_ERROR', `cannot write to the blob store ${location}: ${why}`, { global: true });
}

/** A unit of writing (one import, one commit): its blobs are protected from gc until it closes. */
export interface IngestSession {
  writer(): Promise<BlobWriter>;
  /** A file for another thread to write (stores with local files only: the filesystem store). */
  copyTarget?(): Promise<BlobCopyTarget>;
  /** Streams a whole source in. */
  write(src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected?: Expected): Promise<BlobInfo>;
  put(bytes: Uint8Array, expected?: Expected): Promise<BlobInfo>;
  /** Marks existing blobs as in use by this session (a dedup hit must not be collected before the append). */
  touch(digest: string): Promise<void>;
  close(): Promise<void>;
}

export interface BlobStore {
  /** Where it is, for messages ("./data/blobs"). */
  readonly location: string;
  /** Size of a stored blob, or null when absent. */
  stat(digest: string): Promise<number | null>;
  /** A verified stream of the whole blob; errors with BlobDamagedError (or NOT_FOUND). */
  read(digest: string): Readable;
  /** The first bytes of a blob, unverified (format sniffing). */
  head(digest: string, n: number): Promise<Buffer>;
  /** A whole small blob, verified (configs, manifests). */
  readAll(digest: string, maxBytes?: number): Promise<Buffer>;
  session(): Promise<IngestSession>;
  /** Every stored blob with its size and modification time (ms). */
  list(): AsyncIterable<BlobInfo & { mtimeMs: number }>;
  /** Re-hashes one blob: null when sound, else what its bytes hash to ("missing" when absent). */
  verify(digest: string): Promise<string | null>;
  /**
   * Deletes blobs for gc: each is removed only if it is not in the set `keep`
   * returns (asked after the live sessions are known), and no live session
   * could be using it (see fsBlobStore.ts). Returns what was (or, dry, would be) removed.
   */
  collect(keep: () => Promise<ReadonlySet<string>>, options?: { dryRun?: boolean }): Promise<{ removed: BlobInfo[]; leftovers: number }>;
  /**
   * Optional, for stores that are an OCI image layout: replaces its index.json with these
   * manifests (tagged live images), so skopeo and umoci can open the store by tag.
   */
  publishIndex?(manifests: readonly { mediaType: string; digest: string; size: number; refName: string }[]): Promise<void>;
}

/** Streams a whole source through a writer: committed (verified against `expected`), or aborted on any failure. */
export async function writeThrough(
  w: BlobWriter, src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected?: Expected,
): Promise<BlobInfo> {
  try {
    for await (const c of src) await w.write(c);
    return await w.commit(expected);
  } catch (e) {
    await w.abort();
    throw e;
  }
}

export class BlobDamagedError extends Error {
  readonly code = 'BLOB_DAMAGED';
  constructor(readonly digest: string, readonly actual: string) {
    super(`blob ${digest} is damaged in the blob store: its bytes hash to ${actual}`);
  }
}

export const OCI_LAYOUT_VERSION = '1.0.0';
const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** The hex of a sha256 digest; throws on anything else (never a path outside the store). */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: "${digest}"`);
  return m[1]!;
}
