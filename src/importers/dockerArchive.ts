/**
 * docker-archive (`docker save`, docs/domain.md §6): `manifest.json` is
 * `[{Config, RepoTags, Layers}]`; before Docker 25 layers are `<id>/layer.tar`
 * (a repeated layer may be a link to another entry), kaniko writes
 * `<hex>.tar.gz`, Docker 25+ names OCI blobs (`blobs/sha256/<hex>`).
 */
import { invalidArchive } from '../domain/errors';
import type { ArchiveFiles, Expected } from './archiveFiles';
import type { ImagePlan } from './assemble';
import { asArray, asObject, isObject, parseJsonDoc, reqString } from './json';
import { normalizeRepoTags } from './tags';

const NAMED_DIGEST = /(?:^|\/)(?:sha256:)?([0-9a-f]{64})(?:\.json)?$/;
const BLOB_PATH = /^(?:\.\/)?blobs\/sha256\/([0-9a-f]{64})$/;

/** The config file's name, when it is a digest, is the image ID (checked). */
export const namedDigest = (path: string): string | undefined => {
  const m = NAMED_DIGEST.exec(path);
  return m ? `sha256:${m[1]}` : undefined;
};

/** Docker 25+ layer paths are OCI blob paths: their name is their digest. */
const blobExpect = (path: string): Expected | undefined => {
  const m = BLOB_PATH.exec(path);
  return m ? { digest: `sha256:${m[1]}` } : undefined;
};

export async function dockerPlans(files: ArchiveFiles): Promise<ImagePlan[]> {
  const doc = asArray(parseJsonDoc(await files.readJson('manifest.json', 'manifest.json'), 'manifest.json'), 'manifest.json');
  if (doc.length === 0) throw invalidArchive('manifest.json lists no images');
  return doc.map((e, i): ImagePlan => {
    const where = `manifest.json[${i}]`;
    const entry = asObject(e, where);
    const configPath = reqString(entry['Config'], `${where} Config`);
    const layerPaths = asArray(entry['Layers'] ?? [], `${where} Layers`).map((l, j) => reqString(l, `${where} Layers[${j}]`));
    const repoTags = normalizeRepoTags(entry['RepoTags'] === null || entry['RepoTags'] === undefined ? []
      : asArray(entry['RepoTags'], `${where} RepoTags`));
    const sources = isObject(entry['LayerSources']) ? entry['LayerSources'] : {};
    return {
      label: repoTags[0] ? `image ${repoTags[0]}` : `image ${i + 1} of manifest.json`,
      configPath,
      configNamedDigest: namedDigest(configPath),
      layers: layerPaths.map((p) => {
        const expect = blobExpect(p);
        const src = expect?.digest ? Object.values(sources).find((s) => isObject(s) && s['digest'] === expect.digest) : undefined;
        const mediaType = isObject(src) && typeof src['mediaType'] === 'string' ? src['mediaType'] : null;
        return { path: p, ...(expect ? { expect } : {}), mediaType };
      }),
      manifestDigest: null,
      repoTags,
      baseName: null,
      baseDigest: null,
    };
  });
}
