/**
 * `strata commit IMAGE --from-dir DIR`: the directory is compared with the
 * image's merged view (kind, mode, size, content digest; a symlink's target)
 * and the difference becomes a change set: what is new is ADDED, what differs
 * MODIFIED, what is gone DELETED (a whiteout; only the topmost path of a gone
 * subtree). Changed files' bytes go to the blob store under their digest, so
 * the commit writes the layer from them (realLayers.ts). Owners are not
 * compared: files are committed as root's, as `docker build` COPY does.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput } from '../../domain/errors';
import type { FileChange } from '../../domain/image/fileChange';
import type { FileKind } from '../../domain/layerEntry';
import type { MergedTree } from '../../domain/mergedView';
import type { IngestSession } from '../../blobs';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

interface Found { kind: FileKind; mode: number; size: number; digest: string | null; linkTarget: string | null; real: string }

async function fileDigest(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

async function walk(root: string): Promise<Map<string, Found>> {
  const out = new Map<string, Found>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await fs.readdir(path.join(root, rel))).sort()) {
      const p = `${rel}/${name}`;
      const real = path.join(root, p);
      const st = await fs.lstat(real);
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) { out.set(p, { kind: 'DIRECTORY', mode, size: 0, digest: null, linkTarget: null, real }); await visit(p); }
      else if (st.isSymbolicLink()) out.set(p, { kind: 'SYMLINK', mode, size: 0, digest: null, linkTarget: await fs.readlink(real), real });
      else if (st.isFile()) out.set(p, { kind: 'FILE', mode, size: st.size, digest: null, linkTarget: null, real });
    }
  };
  await visit('');
  return out;
}

export async function changesFromDir(dir: string, view: MergedTree, session: IngestSession): Promise<FileChange[]> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw badInput(`--from-dir "${dir}" is not a directory`);
  const found = await walk(dir);
  const changes: FileChange[] = [];
  for (const [p, f] of found) {
    const lower = view.lookup(p);
    if (f.kind === 'FILE') {
      // Hash only when size and kind do not already tell it changed.
      f.digest = lower?.kind === 'FILE' && lower.size === f.size ? await fileDigest(f.real) : null;
    }
    const same = lower !== null && lower.kind === f.kind && (lower.mode === null || lower.mode === f.mode)
      && (f.kind !== 'FILE' || (lower.size === f.size && lower.contentDigest === f.digest))
      && (f.kind !== 'SYMLINK' || lower.linkTarget === f.linkTarget);
    if (same) continue;
    let contentDigest: string | null = null;
    if (f.kind === 'FILE' && f.size > 0) {
      const stored = await session.write(createReadStream(f.real, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
      if (stored.size !== f.size) throw badInput(`${f.real} changed while it was read`);
      contentDigest = stored.digest;
    }
    changes.push({
      change: lower ? 'MODIFIED' : 'ADDED', path: p, kind: f.kind, mode: f.mode,
      ...(f.kind === 'FILE' ? { size: f.size, contentDigest: f.size > 0 ? contentDigest : EMPTY_SHA256 } : {}),
      ...(f.kind === 'SYMLINK' ? { linkTarget: f.linkTarget } : {}),
    });
  }
  // Deletions: visible paths the directory lacks, topmost only (a whiteout hides the subtree).
  for (const e of view.entries()) {
    if (found.has(e.path)) continue;
    const parent = path.posix.dirname(e.path);
    if (parent !== '/' && found.get(parent)?.kind !== 'DIRECTORY') continue;
    changes.push({ change: 'DELETED', path: e.path });
  }
  return changes;
}
