/**
 * A small test-local reader of a legacy `docker save` archive, only until
 * src/importers/index.ts `readImages` exists: manifest.json lists
 * `<id>/layer.tar` in order; layer entries become LayerEntry values with the
 * whiteouts decoded (`.wh..wh..opq` → OPAQUE_WHITEOUT of the directory,
 * `.wh.x` → WHITEOUT of x). Node APIs are fine here: this is test code.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { FileKind, LayerEntry } from '../../src/domain/layerEntry';
import type { LayerInput } from '../../src/domain/mergedView';

export const DIVE_FIXTURES = join(__dirname, '../../../shared/fixtures/dive');
export const diveFixture = (name: string): string | null => {
  const p = join(DIVE_FIXTURES, name);
  return existsSync(p) ? p : null;
};

async function readTar(buf: Buffer): Promise<{ header: tar.Header; body: Buffer }[]> {
  const extract = tar.extract();
  Readable.from([buf]).pipe(extract);
  const out: { header: tar.Header; body: Buffer }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  return out;
}

const clean = (name: string): string => `/${name.split('/').filter((p) => p && p !== '.').join('/')}`;
const KINDS: Record<string, FileKind> = { file: 'FILE', directory: 'DIRECTORY', symlink: 'SYMLINK', link: 'HARDLINK' };

function toEntry(header: tar.Header, body: Buffer): LayerEntry | null {
  const path = clean(header.name);
  if (path === '/') return null;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const base = path.slice(slash + 1);
  const marker = { size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null };
  if (base === '.wh..wh..opq') return { ...marker, path: dir, kind: 'OPAQUE_WHITEOUT' };
  if (base.startsWith('.wh.')) return { ...marker, path: clean(`${dir}/${base.slice(4)}`), kind: 'WHITEOUT' };
  const kind = KINDS[header.type ?? 'file'] ?? 'OTHER';
  return {
    path, kind, size: kind === 'FILE' ? header.size ?? 0 : 0, mode: header.mode ?? null, uid: header.uid ?? null, gid: header.gid ?? null,
    linkTarget: kind === 'SYMLINK' ? header.linkname ?? null : kind === 'HARDLINK' ? clean(header.linkname ?? '') : null,
    contentDigest: kind === 'FILE' ? `sha256:${createHash('sha256').update(body).digest('hex')}` : null,
  };
}

/** The layers of the first image of a legacy docker-archive, bottom first. */
export async function readDockerArchiveLayers(path: string): Promise<LayerInput[]> {
  const files = new Map((await readTar(readFileSync(path))).map((f) => [f.header.name, f.body]));
  const manifest = JSON.parse(String(files.get('manifest.json'))) as { Layers: string[] }[];
  const layers: LayerInput[] = [];
  for (const name of manifest[0]?.Layers ?? []) {
    const blob = files.get(name);
    if (!blob) throw new Error(`layer ${name} missing`);
    const entries = (await readTar(blob)).map((f) => toEntry(f.header, f.body)).filter((e): e is LayerEntry => e !== null);
    layers.push({ diffId: `sha256:${createHash('sha256').update(blob).digest('hex')}`, entries });
  }
  return layers;
}
