/**
 * Configs of images Strata generates (commit, upgrade). The config is written
 * as canonical JSON (canonicalJson.ts) and the image ID is its sha256
 * (docs/domain.md §1: image ID = sha256 of the config bytes). `created` comes from
 * the command's metadata clock, so two commits at different times are
 * different images even when their layers agree.
 */
import type { Sha256Hex } from '../digest';
import { badInput } from '../errors';
import { canonicalJson } from '../canonicalJson';

type Json = Record<string, unknown>;

export interface GeneratedConfig {
  /** Canonical JSON text; sha256(config) = imageId. */
  config: string;
  imageId: string;
  parsed: Json;
}

export function parseConfig(raw: string, what: string): Json {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  } catch { /* fall through */ }
  throw badInput(`${what}: the image config is not a JSON object`);
}

const historyList = (c: Json): unknown[] => (Array.isArray(c.history) ? c.history : []);
const diffIdList = (c: Json): string[] => {
  const rootfs = c.rootfs as Json | undefined;
  return Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((x): x is string => typeof x === 'string') : [];
};

function finish(c: Json, sha256Hex: Sha256Hex): GeneratedConfig {
  const config = canonicalJson(c);
  return { config, imageId: `sha256:${sha256Hex(config)}`, parsed: c };
}

/** The parent's config plus one layer and its history entry (`docker commit`). */
export function configWithLayer(
  parentConfig: string,
  diffId: string,
  step: { created: string; createdBy: string | null; comment: string | null },
  sha256Hex: Sha256Hex,
): GeneratedConfig {
  const base = parseConfig(parentConfig, 'parent image');
  const entry: Json = { created: step.created, created_by: step.createdBy ?? undefined, comment: step.comment ?? undefined };
  return finish({
    ...base,
    architecture: base.architecture ?? 'amd64',
    os: base.os ?? 'linux',
    created: step.created,
    rootfs: { type: 'layers', diff_ids: [...diffIdList(base), diffId] },
    history: [...historyList(base), entry],
  }, sha256Hex);
}

/**
 * Rebase, as go-containerregistry mutate.Rebase does: the image's config
 * (runtime settings kept), the new base's layers and history, then the image's
 * own layers and its history entries after the old base's
 * (`history[len(oldBase.history):]`). A `createdBy` adds one empty_layer entry.
 */
export function rebasedConfig(
  input: { image: string; oldBase: string; newBase: string; ownDiffIds: readonly string[]; created: string; createdBy: string | null },
  sha256Hex: Sha256Hex,
): GeneratedConfig {
  const image = parseConfig(input.image, 'image');
  const oldBase = parseConfig(input.oldBase, 'old base');
  const newBase = parseConfig(input.newBase, 'new base');
  const own = historyList(image).slice(historyList(oldBase).length);
  const note = input.createdBy === null ? [] : [{ created: input.created, created_by: input.createdBy, empty_layer: true }];
  return finish({
    ...image,
    created: input.created,
    rootfs: { type: 'layers', diff_ids: [...diffIdList(newBase), ...input.ownDiffIds] },
    history: [...historyList(newBase), ...own, ...note],
  }, sha256Hex);
}
