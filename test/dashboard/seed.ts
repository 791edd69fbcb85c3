/**
 * Seeds a Strata database for the dashboard tests with images built here
 * (test/helpers/sampleImages.ts): the 14-layer sample:latest, the one-layer
 * OCI image, sample:kaniko-latest, plus "sample-base:1", the bottom two layers
 * of sample:latest as an image of its own, so lineage (sample-base:1 →
 * sample:latest) and layer sharing show.
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../../src/application/importImages';
import type { Strata } from '../../src/application/strata';
import { readImages, type ImportedImage } from '../../src/importers';
import { samples } from '../helpers/sampleImages';

export const BASE_TAG = 'sample-base:1';
/** How many bottom layers sample-base:1 shares with sample:latest. */
export const BASE_LAYERS = 2;

/** An image made of the bottom `keep` layers of `img`, with a config of its own. */
export function prefixImage(img: ImportedImage, keep: number, tag: string): ImportedImage {
  const config = JSON.parse(img.config);
  config.rootfs = { type: 'layers', diff_ids: img.layers.slice(0, keep).map((l) => l.diffId) };
  let seen = 0;
  const history = [] as ImportedImage['history'];
  for (const h of img.history) {
    if (!h.emptyLayer) { if (seen >= keep) break; seen++; }
    history.push(h);
  }
  config.history = (config.history ?? []).slice(0, history.length);
  const raw = JSON.stringify(config);
  return {
    ...img,
    imageId: 'sha256:' + createHash('sha256').update(raw).digest('hex'),
    config: raw,
    manifestDigest: null,
    repoTags: [tag],
    layers: img.layers.slice(0, keep),
    history,
  };
}

export async function seed(app: Strata): Promise<void> {
  const s = await samples();
  const docker = await readImages(s.dockerArchive);
  await recordImport(app, [prefixImage(docker[0]!, BASE_LAYERS, BASE_TAG)], { actor: 'seed' });
  await recordImport(app, docker, { actor: 'seed' });
  for (const f of [s.kanikoArchive, s.ociGzipArchive]) await recordImport(app, await readImages(f), { actor: 'seed' });
}
