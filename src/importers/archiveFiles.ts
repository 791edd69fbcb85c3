/**
 * The files of an image archive, whatever carries them (a tar read in one
 * streaming pass, or a directory). Paths are archive-relative, "/"-separated,
 * without a leading "./". Every read verifies what the caller expects of the
 * blob (docs/domain.md §6): the size first, then the digest.
 */
import { invalidArchive } from '../domain/errors';
import type { LayerScan } from './layerScan';

export interface Expected {
  /** Descriptor size in bytes. */
  size?: number;
  /** Descriptor digest "sha256:<hex>". */
  digest?: string;
}

export interface ArchiveFiles {
  readonly kind: 'tar' | 'directory';
  /** True when the path (after following archive links) names a regular file. */
  has(path: string): Promise<boolean>;
  /** Raw bytes of a JSON document (capped, verified against `expect`). */
  readJson(path: string, what: string, expect?: Expected): Promise<Buffer>;
  /** The scan of a layer blob (verified against `expect`); repeated calls share one scan. */
  layer(path: string, what: string, expect?: Expected): Promise<LayerScan>;
  /** A few of the archive's top-level names, for error messages. */
  sampleNames(): Promise<string[]>;
}

/**
 * The size is checked before the digest is trusted (docs/domain.md §6,
 * Verification: a blob's size before its digest).
 */
export function checkBlob(what: string, actual: { size: number; digest: string }, expect?: Expected): void {
  if (expect?.size !== undefined && expect.size !== actual.size) {
    throw invalidArchive(`${what}: size ${actual.size} does not match the descriptor size ${expect.size}`);
  }
  if (expect?.digest !== undefined && expect.digest !== actual.digest) {
    throw invalidArchive(`${what}: digest ${actual.digest} does not match the descriptor digest ${expect.digest}`);
  }
}

/** Normalizes an archive-relative path; rejects paths leaving the archive. */
export function archivePath(p: string, what = 'path'): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw invalidArchive(`${what} "${p}" points outside the archive`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** The blob path of a digest in an OCI layout (image-spec image-layout.md "Blobs"). */
export function blobPath(digest: string): string {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m || m[1] !== 'sha256' || !/^[0-9a-f]{64}$/.test(m[2] ?? '')) {
    throw invalidArchive(`unsupported or malformed digest "${digest}" (expected sha256:<64 hex>)`);
  }
  return `blobs/sha256/${m[2]}`;
}
