/**
 * The image config (image-spec config.md): its identity is the sha256 of the
 * raw bytes (docs/domain.md §1: hashed as read, never re-serialized), its
 * `rootfs.diff_ids` name the layers, its `history` maps to them (docs/domain.md §4).
 */
import { isDigest } from '../domain/digest';
import { invalidArchive } from '../domain/errors';
import type { HistoryStep } from '../domain/events';
import { asArray, asObject, isObject, optString, parseJsonDoc } from './json';

export interface ImageConfig {
  diffIds: string[];
  created: string | null;
  architecture: string | null;
  os: string | null;
  history: unknown[];
}

export function parseImageConfig(raw: Buffer, what: string): ImageConfig {
  const doc = asObject(parseJsonDoc(raw, what), what);
  const rootfs = asObject(doc['rootfs'], `${what} rootfs`);
  if (rootfs['type'] !== undefined && rootfs['type'] !== 'layers') throw invalidArchive(`${what}: rootfs.type must be "layers"`);
  const diffIds = asArray(rootfs['diff_ids'] ?? [], `${what} rootfs.diff_ids`).map((d, i) => {
    if (typeof d !== 'string' || !isDigest(d)) throw invalidArchive(`${what}: rootfs.diff_ids[${i}] is not a sha256 digest`);
    return d;
  });
  const history = doc['history'] === undefined || doc['history'] === null ? [] : asArray(doc['history'], `${what} history`);
  return {
    diffIds,
    created: optString(doc['created']),
    architecture: optString(doc['architecture']),
    os: optString(doc['os']),
    history,
  };
}

/**
 * docs/domain.md §4: entries with `empty_layer: true` own no layer; the others own
 * the diff_ids in order. More non-empty entries than layers is invalid (§6).
 */
export function mapHistory(history: readonly unknown[], layerCount: number, what: string): HistoryStep[] {
  let next = 0;
  const steps = history.map((h, i): HistoryStep => {
    if (!isObject(h)) throw invalidArchive(`${what}: history[${i}] is not an object`);
    const emptyLayer = h['empty_layer'] === true;
    const layerIndex = emptyLayer ? null : next++;
    return { created: optString(h['created']), createdBy: optString(h['created_by']), comment: optString(h['comment']), emptyLayer,
      layerIndex };
  });
  if (next > layerCount) {
    throw invalidArchive(`${what}: history has ${next} non-empty entries but the image has only ${layerCount} layers`);
  }
  return steps;
}
