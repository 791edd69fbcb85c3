/**
 * `docker history` mapping (docs/domain.md §4): config `history` entries with
 * `empty_layer: true` own no layer; the others own `rootfs.diff_ids` in order.
 *
 * Tolerance (configs are user input):
 * - no `history` (or not an array): one step per layer, with null fields;
 * - fewer non-empty entries than layers: the remaining layers get such a step
 *   each, appended in order;
 * - more non-empty entries than layers: the extra ones get `layerIndex` null
 *   (import verification rejects such configs; §6);
 * - fields of the wrong type read as null.
 */
import type { HistoryStep } from './events';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Number of layers the config declares (`rootfs.diff_ids`). */
export function diffIdsOf(config: unknown): string[] {
  const rootfs = isObject(config) ? config.rootfs : undefined;
  const ids = isObject(rootfs) ? rootfs.diff_ids : undefined;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

const missingStep = (layerIndex: number): HistoryStep => ({
  created: null, createdBy: null, comment: null, emptyLayer: false, layerIndex,
});

/** Maps a raw (parsed) config JSON object to its history steps. */
export function historyOf(config: unknown): HistoryStep[] {
  const layerCount = diffIdsOf(config).length;
  const raw = isObject(config) && Array.isArray(config.history) ? config.history : [];
  const steps: HistoryStep[] = [];
  let next = 0;
  for (const entry of raw) {
    const h = isObject(entry) ? entry : {};
    const emptyLayer = h.empty_layer === true;
    const layerIndex = emptyLayer || next >= layerCount ? null : next;
    if (!emptyLayer) next++;
    steps.push({ created: str(h.created), createdBy: str(h.created_by), comment: str(h.comment), emptyLayer, layerIndex });
  }
  for (; next < layerCount; next++) steps.push(missingStep(next));
  return steps;
}

/** The `created_by` of each layer (index = layer index), null where unknown. */
export function createdByPerLayer(steps: readonly HistoryStep[], layerCount: number): (string | null)[] {
  const out: (string | null)[] = Array.from({ length: layerCount }, () => null);
  for (const s of steps) if (s.layerIndex !== null && s.layerIndex < layerCount) out[s.layerIndex] = s.createdBy;
  return out;
}
