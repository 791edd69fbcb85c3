/**
 * `strata import docker://…` and Mutation.pullImage (issue 18, "Pull"): the
 * pull plan, carried out. The registry is read as an archive
 * (src/registry/pullArchive.ts): only blobs the blob store lacks are
 * fetched, each verified against its digest as it streams into the store;
 * then everything is recorded in one append (importImages.ts) together with
 * an ImageTransferred per image — so a pull that fails part-way appends
 * nothing. A repeated pull that brings nothing new appends nothing.
 */
import { keepBlobs } from '../blobs';
import type { ImageTransferredData } from '../domain/events';
import { badInput } from '../domain/errors';
import type { KeyedRequest, StoredEvent } from '../eventStore/types';
import { assembleImage } from '../importers/assemble';
import { Budget } from '../importers/limits';
import { ociPlans } from '../importers/ociLayout';
import { endIdleScanThreads } from '../importers/scanPool';
import { DEFAULT_PLATFORM, parsePlatform } from '../importers/platform';
import type { ImportedImage } from '../importers';
import {
  formatRegistryRef, ledgerTag, parseRegistryRef, RegistryArchive, registryClient, type KnownLayer, type RegistryAccess,
} from '../registry';
import { recordImport, type ImportSummary } from './importImages';
import type { Strata } from './strata';

export interface PullOptions extends RegistryAccess {
  platform?: string | null;
  allTags?: boolean;
  actor?: string | null;
  idempotencyKey?: string | null;
  request?: KeyedRequest | null;
  /** With a @DIGEST source: the tag the pulled image gets (a notification names both). */
  tagAs?: string | null;
  /** Record the transfer even when nothing is new (a notification's pull, so its event id is kept). */
  alwaysRecord?: boolean;
}

export interface PullResult {
  summary: ImportSummary;
  imageIds: string[];
  fetchedBlobs: number;
  fetchedBytes: number;
  reusedBlobs: number;
  reusedBytes: number;
  /** The ImageTransferred events appended (empty when nothing was new). */
  transferEvents: StoredEvent[];
}

export async function pullFromRegistry(app: Strata, source: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseRegistryRef(source);
  if (opts.allTags && (ref.digest || source.slice('docker://'.length).split('/').pop()!.includes(':'))) {
    throw badInput('--all-tags takes a repository without a tag or digest (docker://HOST/REPO)');
  }
  const platformText = opts.platform ?? DEFAULT_PLATFORM;
  const platform = parsePlatform(platformText);
  const client = registryClient(ref.host, opts);
  const model = await app.models.current();
  const byDigest = new Map<string, KnownLayer>();
  for (const l of model.layers.values()) if (l.digest) byDigest.set(l.digest, l);
  const targets: { tag: string | null; digest: string | null }[] = opts.allTags
    ? (await client.tags(ref.repository)).sort().map((tag) => ({ tag, digest: null }))
    : [{ tag: ref.digest ? null : ref.tag, digest: ref.digest }];
  const session = keepBlobs() ? await app.blobs.session() : null;
  try {
    const budget = new Budget();
    const images: ImportedImage[] = [];
    const perImage = new Map<string, Omit<ImageTransferredData, 'imageId'>>();
    const fetched = new Map<string, number>();
    const reused = new Map<string, number>();
    for (const t of targets) {
      const top = await client.getManifest(ref.repository, t.digest ?? t.tag!);
      const archive = new RegistryArchive(client, ref.repository, top, app.blobs, session, budget, (d) => byDigest.get(d));
      const plans = await ociPlans(archive, { platform, repo: undefined, strict: opts.platform != null });
      const location = formatRegistryRef({ ...ref, tag: t.tag, digest: t.digest });
      for (const plan of plans) {
        const img = await assembleImage(archive, plan);
        const tag = t.tag ?? opts.tagAs ?? null;
        img.repoTags = tag ? [ledgerTag(ref, tag)] : [];
        images.push(img);
        perImage.set(img.imageId, {
          direction: 'PULL', location, manifestDigest: top.digest,
          transferredBytes: sum(archive.fetched), transferredBlobs: archive.fetched.size,
          skippedBytes: sum(archive.reused), skippedBlobs: archive.reused.size,
        });
      }
      for (const [d, n] of archive.fetched) fetched.set(d, n);
      for (const [d, n] of archive.reused) if (!fetched.has(d)) reused.set(d, n);
    }
    // Every layer is scanned: idle scan threads give their memory back before the images are recorded.
    await endIdleScanThreads();
    if (images.length === 0) throw badInput(`${source} holds no container image (only artifacts or attestations)`);
    const seen = (imageId: string, location: string, digest: string) =>
      (model.transfers.get(imageId) ?? []).some((x) => x.direction === 'PULL' && x.location === location && x.manifestDigest === digest);
    const summary = await recordImport(app, images, {
      actor: opts.actor ?? null, idempotencyKey: opts.idempotencyKey ?? null, request: opts.request ?? null,
      transfer: (img, status) => {
        const t = perImage.get(img.imageId)!;
        const nothingNew = status === 'already present' && seen(img.imageId, t.location, t.manifestDigest);
        return !opts.alwaysRecord && nothingNew ? null : { imageId: img.imageId, ...t };
      },
    });
    for (const d of reused.keys()) if (fetched.has(d)) reused.delete(d);
    return {
      summary, imageIds: images.map((i) => i.imageId),
      fetchedBlobs: fetched.size, fetchedBytes: sum(fetched), reusedBlobs: reused.size, reusedBytes: sum(reused),
      transferEvents: (summary.events ?? []).filter((e) => e.type === 'ImageTransferred'),
    };
  } finally {
    await session?.close();
  }
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
