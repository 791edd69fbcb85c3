/**
 * The archive-reading half of `strata import` (contract cli.md; docs/domain.md §6):
 * a container image archive in, verified domain values out — every image it
 * holds, or an INVALID_ARCHIVE DomainError with a one-line reason (never a
 * partial result).
 */
import { DomainError, invalidArchive } from '../domain/errors';
import type { ArchiveFiles } from './archiveFiles';
import { asArchiveError } from './archiveError';
import { oneLine } from '../support/oneLine';
import { assembleImage, type ImagePlan } from './assemble';
import { dockerPlans } from './dockerArchive';
import { endIdleScanThreads } from './scanPool';
import { Budget } from './limits';
import { ociPlans } from './ociLayout';
import { DEFAULT_PLATFORM, parsePlatform } from './platform';
import { sha256Digest } from '../support/sha256';
import { openArchive, type Source } from './source';
import type { ImportedImage, ImportOptions } from './types';

export type { ImportedImage, ImportedLayer, ImportOptions, ImportProgress } from './types';

/** Adds tags to an image already found, keeping order and uniqueness. */
function mergeTags(into: ImportedImage, tags: readonly string[]): void {
  for (const t of tags) if (!into.repoTags.includes(t)) into.repoTags.push(t);
}

function notAnImage(opened: { files: ArchiveFiles; entryCount: number | null; describe: string }): Error {
  if (opened.files.kind === 'directory') {
    return invalidArchive(`not an image archive: no manifest.json or index.json in ${opened.describe}`);
  }
  if (opened.entryCount === 0) return invalidArchive('not an image archive: the tar is empty');
  return invalidArchive('not an image archive: no manifest.json or index.json (this looks like a root filesystem tar)');
}

async function imagesOf(files: ArchiveFiles, options: ImportOptions, platformText: string,
  notFound: () => Error): Promise<ImportedImage[]> {
  const hasIndex = await files.has('index.json');
  const hasManifest = await files.has('manifest.json');
  if (!hasIndex && !hasManifest) throw notFound();
  const byId = new Map<string, ImportedImage>();
  const add = (img: ImportedImage): void => {
    const seen = byId.get(img.imageId);
    if (seen) mergeTags(seen, img.repoTags);
    else byId.set(img.imageId, { ...img, repoTags: [...img.repoTags] });
  };
  if (hasIndex) {
    const plans = await ociPlans(files, { platform: parsePlatform(platformText), repo: options.repo,
      strict: options.platform !== undefined, onNotice: options.onNotice });
    for (const plan of plans) add(await assembleImage(files, plan));
  }
  if (hasManifest) {
    const plans: ImagePlan[] = await dockerPlans(files);
    for (const plan of plans) {
      // Docker 25+: manifest.json repeats images of index.json; only its tags are new.
      if (hasIndex) {
        const id = sha256Digest(await files.readJson(plan.configPath, `${plan.label} config`));
        const seen = byId.get(id);
        if (seen) { mergeTags(seen, plan.repoTags); continue; }
      }
      add(await assembleImage(files, plan));
    }
  }
  if (byId.size === 0) throw invalidArchive('the archive holds no container image (only artifacts or attestations)');
  return [...byId.values()];
}

/**
 * Reads every image of a docker-archive tar, an OCI layout directory or tar,
 * `-` (standard input) or a stream. One streaming pass for tars; layers of a
 * directory are read two at a time.
 */
export async function readImages(source: Source, options: ImportOptions = {}): Promise<ImportedImage[]> {
  const platformText = options.platform ?? DEFAULT_PLATFORM;
  parsePlatform(platformText);
  const budget = new Budget(options.maxTotalBytes, options.maxEntries);
  try {
    const opened = await openArchive(source, budget, options.onProgress, options.blobs);
    const images = await imagesOf(opened.files, options, platformText, () => notAnImage(opened));
    options.onProgress?.({ bytesDone: budget.bytes, bytesTotal: budget.bytes, phase: 'verified' });
    return images;
  } catch (e) {
    const err = asArchiveError(e, 'invalid archive');
    // Names inside an archive may hold line breaks: the reason stays one line.
    throw /[\r\n]/.test(err.message) ? new DomainError(err.code, oneLine(err.message), err.details) : err;
  } finally {
    // Every layer is scanned: idle scan threads give their memory back before the images are recorded.
    await endIdleScanThreads();
  }
}
