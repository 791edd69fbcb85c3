/** A small parent image for decider tests: its config, layers and merged view (hand-written). */
import type { LayerEntry } from '../../src/domain/layerEntry';
import type { CommitPorts } from '../../src/domain/image/commit';
import { evolveImage, initialImageState, ImageState } from '../../src/domain/image/state';
import type { ImageCommittedData } from '../../src/domain/events';
import { d, sha256Hex } from './domainTestKit';

export const NOW = '2024-05-01T12:00:00Z';
export const meta = { now: NOW, actor: 'alice' };

const e = (path: string, kind: LayerEntry['kind'], size = 0, extra: Partial<LayerEntry> = {}): LayerEntry => ({
  path, kind, size, mode: kind === 'DIRECTORY' ? 0o755 : 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: kind === 'FILE' ? d(path) : null, ...extra,
});

/** The parent's merged view. */
export const parentView = new Map<string, LayerEntry>([
  ['/etc', e('/etc', 'DIRECTORY')],
  ['/etc/passwd', e('/etc/passwd', 'FILE', 100)],
  ['/etc/hosts', e('/etc/hosts', 'FILE', 20)],
  ['/bin', e('/bin', 'DIRECTORY')],
  ['/bin/sh', e('/bin/sh', 'FILE', 500, { mode: 0o755 })],
  ['/bin/ash', e('/bin/ash', 'HARDLINK', 0, { linkTarget: '/bin/sh' })],
  ['/usr', e('/usr', 'DIRECTORY')],
  ['/usr/lib', e('/usr/lib', 'DIRECTORY')],
  ['/usr/lib/libc.so', e('/usr/lib/libc.so', 'FILE', 1000)],
  ['/lib', e('/lib', 'SYMLINK', 0, { linkTarget: 'usr/lib' })],
]);

export const PARENT_DIFF_IDS = [d('base-layer'), d('second-layer')];
export const parentConfig = JSON.stringify({
  architecture: 'arm64', os: 'linux', config: { Env: ['PATH=/bin'] },
  rootfs: { type: 'layers', diff_ids: PARENT_DIFF_IDS },
  history: [{ created_by: 'ADD rootfs' }, { created_by: 'CMD sh', empty_layer: true }, { created_by: 'RUN apk add' }],
});
export const PARENT_ID = `sha256:${sha256Hex(parentConfig)}`;

export const committed = (imageId: string, config: string, diffIds: string[], extra: Partial<ImageCommittedData> = {}): ImageCommittedData => ({
  imageId, config, manifestDigest: null, created: null, architecture: 'arm64', os: 'linux',
  layers: diffIds.map((diffId) => ({ diffId, digest: null, mediaType: null, compressedSize: null })),
  history: [], baseName: null, baseDigest: null, source: 'import', parentImageId: null, ...extra,
});

/** The parent image's state, folded when a test asks for it (not when a file loads: a broken fold fails tests, not files). */
export const parentState = (): ImageState => evolveImage(initialImageState(), {
  type: 'ImageCommitted', data: committed(PARENT_ID, parentConfig, PARENT_DIFF_IDS),
});

/** Test entriesDigest: sha256 of JSON of the list (the real one is entryList.ts; any canonical function will do). */
export const entriesDigest = (entries: readonly LayerEntry[]) => `sha256:${sha256Hex(JSON.stringify(entries))}`;

export const ports = (overrides: Partial<CommitPorts> = {}): CommitPorts => ({
  lookup: (p) => parentView.get(p) ?? null,
  isLayerKnown: () => false,
  isImageKnown: () => false,
  entriesDigest,
  sha256Hex,
  ...overrides,
});
