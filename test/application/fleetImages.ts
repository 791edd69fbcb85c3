/**
 * Hand-built images for the unnamed-bases tests: layers named by a label
 * (DiffID = sha256 of the label, as no tar exists), an optional os-release
 * kept as an import keeps it, recorded through recordImport like `strata import`.
 */
import { createHash } from 'node:crypto';
import { entriesDigestOf } from '../../src/domain/entryList';
import type { LayerEntry } from '../../src/domain/layerEntry';
import type { ImportedImage, ImportedLayer } from '../../src/importers';

const hex = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const digestOf = (label: string) => `sha256:${hex(label)}`;

const meta = { mode: 0o644, uid: 0, gid: 0, linkTarget: null as string | null };

export function fleetLayer(label: string, osRelease?: string): ImportedLayer {
  const entries: LayerEntry[] = [
    { ...meta, path: `/${label}`, kind: 'DIRECTORY', size: 0, mode: 0o755, contentDigest: null },
    { ...meta, path: `/${label}/file`, kind: 'FILE', size: 100 + label.length, contentDigest: digestOf(`${label}/file`) },
  ];
  const keptFiles = [];
  if (osRelease !== undefined) {
    const content = Buffer.from(osRelease);
    entries.push({ ...meta, path: '/etc', kind: 'DIRECTORY', size: 0, mode: 0o755, contentDigest: null });
    entries.push({ ...meta, path: '/etc/os-release', kind: 'FILE', size: content.length, contentDigest: `sha256:${hex(content)}` });
    keptFiles.push({ path: '/etc/os-release', content });
    // Docker Engine counts a symbolic link as its target's length (DOCKER accounting); content sizes do not.
    entries.push({ ...meta, path: '/etc/localtime', kind: 'SYMLINK', size: 0, mode: 0o777, linkTarget: '/usr/share/zoneinfo/Etc/UTC', contentDigest: null });
  }
  return {
    digest: null, diffId: digestOf(`diff/${label}`), mediaType: null, compressedSize: null,
    size: entries.reduce((s, e) => s + (e.kind === 'FILE' ? e.size : 0), 0), fileCount: entries.length,
    entries, entriesDigest: entriesDigestOf(entries, hex), keptFiles,
  };
}

export function fleetImage(tag: string, layers: readonly ImportedLayer[]): ImportedImage {
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created_by: `step ${i}` })),
  });
  return {
    imageId: digestOf(config), config, manifestDigest: null, repoTags: [tag], created: null,
    architecture: 'amd64', os: 'linux', layers: [...layers],
    history: layers.map((_, i) => ({ created: null, createdBy: `step ${i}`, comment: null, emptyLayer: false, layerIndex: i })),
    baseName: null, baseDigest: null,
  };
}

export const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
export const ALPINE_319 = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n';
export const ALPINE_320 = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME="Alpine Linux v3.20"\n';
