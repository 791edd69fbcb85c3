/**
 * What a container changed, as the Engine says: GET /containers/{id}/changes
 * (docker diff) and, per path, HEAD /containers/{id}/archive (the
 * X-Docker-Container-Path-Stat header: name, size, Go file mode, link target).
 */
import type { FileKind } from '../domain/layerEntry';
import type { Engine } from './client';

export interface EngineChange { path: string; kind: 'C' | 'A' | 'D' }
export interface PathStat { kind: FileKind; size: number; mode: number; linkTarget: string | null }

const KINDS = ['C', 'A', 'D'] as const;

export async function containerChanges(engine: Engine, containerId: string): Promise<EngineChange[] | null> {
  try {
    const list = await engine.docker.getContainer(containerId).changes() as { Path: string; Kind: number }[] | null;
    return (list ?? []).map((c) => ({ path: c.Path, kind: KINDS[c.Kind] ?? 'C' }));
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
}

// Go's os.FileMode type bits.
const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_STICKY = 2 ** 20;

/** A Go os.FileMode as a kind and unix permission bits. */
export function fromGoMode(goMode: number): { kind: FileKind; mode: number } {
  const bit = (b: number) => Math.floor(goMode / b) % 2 === 1;
  let mode = goMode % 0o1000;
  if (bit(GO_SETUID)) mode += 0o4000;
  if (bit(GO_SETGID)) mode += 0o2000;
  if (bit(GO_STICKY)) mode += 0o1000;
  const other = [2 ** 26, 2 ** 25, 2 ** 24, 2 ** 21, 2 ** 19].some(bit);
  const kind: FileKind = bit(GO_DIR) ? 'DIRECTORY' : bit(GO_SYMLINK) ? 'SYMLINK' : other ? 'OTHER' : 'FILE';
  return { kind, mode };
}

/** The stat of a path inside a container, or null when it does not exist (any more). */
export async function statPath(engine: Engine, containerId: string, path: string): Promise<PathStat | null> {
  let res: { statusCode?: number; headers: Record<string, string | string[] | undefined>; resume?: () => void };
  try {
    res = await engine.docker.getContainer(containerId).infoArchive({ path }) as unknown as typeof res;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
  res.resume?.();
  const header = res.headers['x-docker-container-path-stat'];
  if (typeof header !== 'string') return null;
  const st = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { size: number; mode: number; linkTarget: string };
  const { kind, mode } = fromGoMode(st.mode);
  return { kind, mode, size: kind === 'FILE' ? st.size : 0, linkTarget: kind === 'SYMLINK' ? st.linkTarget : null };
}
