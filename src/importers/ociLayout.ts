/**
 * OCI image layouts (image-spec image-layout.md, image-index.md, manifest.md;
 * docs/domain.md §6): `index.json` may nest indexes; a platform is picked in each
 * multi-platform set (linux/amd64 unless asked otherwise), attestation
 * manifests are skipped, and a set with a single image for another platform
 * still yields that image (dive's arm64 fixtures). Several platforms and none
 * matching is an error that lists them.
 */
import { invalidArchive } from '../domain/errors';
import { blobPath, type ArchiveFiles } from './archiveFiles';
import type { ImagePlan, LayerRef } from './assemble';
import { annotationsOf, asArray, asObject, isObject, optString, parseJsonDoc, reqString, type JsonObject } from './json';
import { formatPlatform, platformMatches, platformOf, type Platform } from './platform';
import { bareTagWithoutRepository, REF_NAME, tagsFromAnnotations } from './tags';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

const INDEX_TYPES: ReadonlySet<string> = new Set([MT.ociIndex, MT.dockerList]);
const MANIFEST_TYPES: ReadonlySet<string> = new Set([MT.ociManifest, MT.dockerManifest]);
const CONFIG_TYPES: ReadonlySet<string> = new Set([MT.ociConfig, MT.dockerConfig]);
const ATTESTATION_KEY = 'vnd.docker.reference.type';
const MAX_DEPTH = 8;

export interface Descriptor {
  mediaType: string; digest: string; size: number; annotations: Record<string, string>; platform: Platform | null;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const d = asObject(v, what);
  const size = d['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalidArchive(`${what}: size is missing or not a non-negative integer`);
  }
  const digest = reqString(d['digest'], `${what} digest`);
  blobPath(digest);
  return { mediaType: optString(d['mediaType']) ?? '', digest, size, annotations: annotationsOf(d['annotations']),
    platform: platformOf(d['platform']) };
}

export interface OciOptions {
  platform: Platform;
  repo: string | undefined;
  /** True when the platform was asked for explicitly: then no fallback to a lone other platform. */
  strict?: boolean;
  /** Told about what was read but not used, e.g. a ref.name that is only a tag. */
  onNotice?: (message: string) => void;
}

interface Ctx { files: ArchiveFiles; opts: OciOptions }

/** Picks manifests of one set of descriptors (same ref name) by platform. */
export function choosePlatform(cands: readonly Descriptor[], want: Platform, where: string, strict = false): Descriptor[] {
  const withPlatform = cands.filter((d) => d.platform !== null);
  const without = cands.filter((d) => d.platform === null);
  if (withPlatform.length === 0) return [...without];
  // The first matching platform wins (e.g. arm64/v8 when asked for arm64); several
  // images of that exact platform in one set are distinct images, all kept.
  const match = withPlatform.find((d) => platformMatches(d.platform as Platform, want));
  if (match) {
    const exact = formatPlatform(match.platform as Platform);
    return [...withPlatform.filter((d) => formatPlatform(d.platform as Platform) === exact), ...without];
  }
  if (withPlatform.length === 1 && !strict) return [withPlatform[0] as Descriptor, ...without];
  const list = [...new Set(withPlatform.map((d) => formatPlatform(d.platform as Platform)))].join(', ');
  throw invalidArchive(`${where} has no image for platform ${formatPlatform(want)} (available: ${list})`);
}

async function readIndex(ctx: Ctx, doc: JsonObject, where: string, inherited: Record<string, string>, depth: number): Promise<ImagePlan[]> {
  if (depth > MAX_DEPTH) throw invalidArchive(`${where}: image indexes nested more than ${MAX_DEPTH} deep`);
  const descs = asArray(doc['manifests'], `${where} manifests`).map((m, i) => parseDescriptor(m, `${where} manifests[${i}]`));
  const plans: ImagePlan[] = [];
  const groups = new Map<string, Descriptor[]>();
  for (const d of descs) {
    if (d.annotations[ATTESTATION_KEY] === 'attestation-manifest') continue;
    if (INDEX_TYPES.has(d.mediaType)) {
      const ann = { ...inherited, ...d.annotations };
      const raw = await ctx.files.readJson(blobPath(d.digest), `index ${d.digest}`, { size: d.size, digest: d.digest });
      const what = `index ${d.digest}`;
      plans.push(...await readIndex(ctx, asObject(parseJsonDoc(raw, what), what), what, ann, depth + 1));
      continue;
    }
    if (d.mediaType !== '' && !MANIFEST_TYPES.has(d.mediaType)) continue; // artifacts and unknown types
    const key = d.annotations[REF_NAME] ?? inherited[REF_NAME] ?? '';
    const g = groups.get(key);
    if (g) g.push(d); else groups.set(key, [d]);
  }
  for (const g of groups.values()) {
    for (const d of choosePlatform(g, ctx.opts.platform, where, ctx.opts.strict)) {
      const plan = await manifestPlan(ctx, d, { ...inherited, ...d.annotations }, depth);
      plans.push(...plan);
    }
  }
  return plans;
}

async function manifestPlan(ctx: Ctx, d: Descriptor, ann: Record<string, string>, depth: number): Promise<ImagePlan[]> {
  const what = `manifest ${d.digest}`;
  const raw = await ctx.files.readJson(blobPath(d.digest), what, { size: d.size, digest: d.digest });
  const doc = asObject(parseJsonDoc(raw, what), what);
  const mediaType = optString(doc['mediaType']);
  if (mediaType && INDEX_TYPES.has(mediaType)) return readIndex(ctx, doc, `index ${d.digest}`, ann, depth + 1);
  if (!isObject(doc['config']) || !Array.isArray(doc['layers'])) {
    throw invalidArchive(`${what} is not an image manifest (no config or layers)`);
  }
  const config = parseDescriptor(doc['config'], `${what} config`);
  if (config.mediaType !== '' && !CONFIG_TYPES.has(config.mediaType)) return []; // an artifact, not an image
  const layers: LayerRef[] = asArray(doc['layers'], `${what} layers`).map((l, i) => {
    const ld = parseDescriptor(l, `${what} layers[${i}]`);
    return { path: blobPath(ld.digest), expect: { size: ld.size, digest: ld.digest }, mediaType: ld.mediaType || null };
  });
  const own = annotationsOf(doc['annotations']);
  const repoTags = tagsFromAnnotations(ann, ctx.opts.repo);
  const bareTag = bareTagWithoutRepository(ann, ctx.opts.repo);
  if (bareTag) {
    ctx.opts.onNotice?.(`ref.name "${bareTag}" is only a tag (as buildah push oci:DIR:TAG writes it); `
      + `the image stays untagged: give --repo NAME to import it as NAME:${bareTag}`);
  }
  return [{
    label: repoTags[0] ? `image ${repoTags[0]}` : what,
    configPath: blobPath(config.digest),
    configExpect: { size: config.size, digest: config.digest },
    layers,
    manifestDigest: d.digest,
    manifestMediaType: mediaType ?? (d.mediaType || null),
    repoTags,
    baseName: own['org.opencontainers.image.base.name'] ?? ann['org.opencontainers.image.base.name'] ?? null,
    baseDigest: own['org.opencontainers.image.base.digest'] ?? ann['org.opencontainers.image.base.digest'] ?? null,
  }];
}

/** Plans for every image an OCI layout's index.json names. */
export async function ociPlans(files: ArchiveFiles, opts: OciOptions): Promise<ImagePlan[]> {
  if (await files.has('oci-layout')) {
    const layout = asObject(parseJsonDoc(await files.readJson('oci-layout', 'oci-layout'), 'oci-layout'), 'oci-layout');
    if (typeof layout['imageLayoutVersion'] !== 'string') throw invalidArchive('oci-layout has no imageLayoutVersion');
  }
  const doc = asObject(parseJsonDoc(await files.readJson('index.json', 'index.json'), 'index.json'), 'index.json');
  return readIndex({ files, opts }, doc, 'index.json', {}, 0);
}
