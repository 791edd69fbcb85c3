/**
 * Seeds a Strata database for the dashboard tests: dive's three fixture images,
 * plus "dive-base:1", the bottom two layers of dive-test:latest as an image of
 * its own, so lineage (dive-base:1 → dive-test:latest) and layer sharing show.
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../../src/application/importImages';
import type { Strata } from '../../src/application/strata';
import { readImages, type ImportedImage } from '../../src/importers';
import path from 'node:path';

/** dive's fixtures (same folder as test/helpers/fixtures.ts, which needs Jest globals). */
export const DIVE_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'dive');
const dive = (name: string) => path.join(DIVE_DIR, name);

export const FIXTURES = ['test-docker-image.tar', 'test-kaniko-image.tar', 'test-oci-gzip-image.tar'];

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
  const docker = await readImages(dive(FIXTURES[0]!));
  await recordImport(app, [prefixImage(docker[0]!, 2, 'dive-base:1')], { actor: 'seed' });
  await recordImport(app, docker, { actor: 'seed' });
  for (const f of FIXTURES.slice(1)) await recordImport(app, await readImages(dive(f)), { actor: 'seed' });
}
