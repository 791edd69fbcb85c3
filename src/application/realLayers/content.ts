/**
 * FileChange.contentBase64 (contract next.graphql): a file's bytes travel in
 * the request. They are decoded strictly, checked against the size and
 * contentDigest when those are also given (BAD_USER_INPUT otherwise, before
 * anything is written or appended), kept in the blob store under their own
 * digest (= the entry's contentDigest, so a container's changes can be
 * committed later), and replaced by size + contentDigest for the deciders.
 */
import { sha256Digest } from '../../support/sha256';
import { badInput } from '../../domain/errors';
import { parseDigest } from '../../domain/digest';
import type { FileChange } from '../../domain/image/fileChange';
import type { IngestSession } from '../../blobs';

/** A FileChange as the API receives it. */
export type FileChangeInput = FileChange & { contentBase64?: string | null };

/**
 * Decoded bytes a request may carry in all (STRATA_MAX_CONTENT_BYTES, default 6 MiB: its base64
 * fits the API's 8 MiB request body, docs/adr/0005).
 */
export const maxContentBytes = (): number => Number(process.env.STRATA_MAX_CONTENT_BYTES || 6 * 1024 * 1024);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const OVER_CAP_HINT = 'to commit larger files, build a layer tar and run `strata commit IMAGE --layer FILE.tar`, '
  + 'or `strata commit IMAGE --from-dir DIR`';

/** Validates every contentBase64 first (nothing is stored when one is bad). */
export function decodeContents(changes: readonly FileChangeInput[]): { changes: FileChange[]; contents: Map<string, Buffer> } {
  const contents = new Map<string, Buffer>();
  let total = 0;
  const cap = maxContentBytes();
  const out = changes.map((c): FileChange => {
    const { contentBase64, ...rest } = c;
    if (contentBase64 === undefined || contentBase64 === null) return rest;
    const path = c.path;
    if (c.change === 'DELETED') throw badInput(`${path}: a DELETED change carries no content`, { path });
    if (c.kind && c.kind !== 'FILE') throw badInput(`${path}: only a FILE has content (got ${c.kind})`, { path });
    if (!BASE64.test(contentBase64)) throw badInput(`${path}: contentBase64 is not valid base64`, { path });
    const bytes = Buffer.from(contentBase64, 'base64');
    total += bytes.length;
    if (total > cap) throw badInput(`the content in this request exceeds ${cap} bytes; ${OVER_CAP_HINT}`, { path, limit: cap });
    const digest = sha256Digest(bytes);
    if (c.size !== undefined && c.size !== null && c.size !== bytes.length) {
      throw badInput(`${path}: size ${c.size} does not match the ${bytes.length} bytes of contentBase64`, { path });
    }
    if (c.contentDigest !== undefined && c.contentDigest !== null && parseDigest(c.contentDigest, `${path}: contentDigest`) !== digest) {
      throw badInput(`${path}: contentDigest ${c.contentDigest} does not match the bytes of contentBase64 (${digest})`, { path });
    }
    contents.set(digest, bytes);
    return { ...rest, kind: c.kind ?? 'FILE', size: bytes.length, contentDigest: digest };
  });
  return { changes: out, contents };
}

/** Keeps decoded contents in the blob store (keyed by their digest). */
export async function storeContents(session: IngestSession, contents: ReadonlyMap<string, Buffer>): Promise<void> {
  for (const [digest, bytes] of contents) await session.put(bytes, { digest });
}
