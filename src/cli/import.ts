/**
 * `strata import PATH|-`: read and verify the whole archive first (no
 * transaction open meanwhile), then record it in one append. Any invalid
 * input exits non-zero with a one-line reason and appends nothing.
 */
import cliProgress from 'cli-progress';
import type { Strata } from '../application/strata';
import type { ImportSummary } from '../application/importImages';
import { readImages, type ImportOptions } from '../importers';
import { prestartScanThread, scanRangesInThisThread, whileScanThreadStarts } from '../importers/scanPool';
import { loadEventStoreModules } from '../eventStore';
import { badInput } from '../domain/errors';
import { cliActor } from './output';
import { PROGRESS_FORMAT, progressPayload } from './progressLine';
import { daemonImageName, isDaemonSource, openDaemonImage } from '../engine/source';
import { keepBlobs, openBlobStore, type IngestSession } from '../blobs';
import { isRegistrySource } from '../registry/reference';

/**
 * The application's modules (the read model, the projections, the event store's
 * code, the registry client), required when first used: an archive's scans start
 * before they load, and the CLI's thread loads them while a worker scans
 * (bench/RESULTS.md, "Quiet re-run after this session's helpers"). require, not
 * import(), for the reason main.ts gives.
 */
const application = () => require('../application/strata') as typeof import('../application/strata');
const importing = () => require('../application/importImages') as typeof import('../application/importImages');
const openApp = (opts: ImportCliOptions): Promise<Strata> => application().Strata.open(opts.db, { blobs: opts.blobs });

export interface ImportCliOptions {
  db?: string; blobs?: string; tag?: string; repo?: string; platform?: string; json?: boolean; maxBytes?: string; maxEntries?: string;
  allTags?: boolean; creds?: string; authfile?: string; tlsVerify?: string;
}

/** --tls-verify=false|true (default true). */
export function tlsVerifyOption(v: string | undefined): boolean | null {
  if (v === undefined) return null;
  if (v === 'false') return false;
  if (v === 'true') return true;
  throw badInput('--tls-verify takes true or false');
}

async function pullCommand(source: string, opts: ImportCliOptions): Promise<void> {
  if (opts.tag || opts.repo || opts.maxBytes || opts.maxEntries) throw badInput('--tag, --repo and the caps apply to archives, not docker://');
  const app = await openApp(opts);
  try {
    const { pullFromRegistry } = require('../application/registryPull') as typeof import('../application/registryPull');
    const r = await pullFromRegistry(app, source, {
      platform: opts.platform, allTags: !!opts.allTags, creds: opts.creds, authFile: opts.authfile,
      tlsVerify: tlsVerifyOption(opts.tlsVerify), actor: cliActor(),
    });
    const { transferEvents: _e, ...rest } = r;
    if (opts.json) { process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`); return; }
    for (const i of r.summary.images) {
      const tags = i.tags.length ? i.tags.join(', ') : '<untagged>';
      process.stdout.write(`${i.status}: ${i.imageId.slice(7, 19)} ${tags} (${i.layers} layers, ${i.newLayers} new, ${i.size} bytes)\n`);
    }
    process.stdout.write(`fetched ${r.fetchedBlobs} blobs (${r.fetchedBytes} bytes), `
      + `reused ${r.reusedBlobs} blobs (${r.reusedBytes} bytes)\n`);
    process.stdout.write(`appended ${r.summary.appended} events; head ${r.summary.head}\n`);
  } finally {
    await app.close();
  }
}

const intOption = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw badInput(`${name} must be a positive integer`);
  return n;
};

function progressBar(): { onProgress: ImportOptions['onProgress']; stop(): void } {
  if (!process.stderr.isTTY) return { onProgress: undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
    format: PROGRESS_FORMAT,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    onProgress: (p) => {
      const total = p.bytesTotal ?? Math.max(p.bytesDone, 1);
      const payload = progressPayload(p);
      if (!started) { bar.start(total, p.bytesDone, payload); started = true; }
      bar.setTotal(total);
      bar.update(p.bytesDone, payload);
    },
    stop: () => { if (started) bar.stop(); },
  };
}

/** Reads a source and records it as one import (the path `strata import` takes; `strata ci` imports through it too). */
export async function importSource(path: string, opts: ImportCliOptions): Promise<ImportSummary> {
  const progress = progressBar();
  const blobStore = openBlobStore(opts.db, opts.blobs);
  // The session protects the blobs this import writes from a concurrent gc until the append is done.
  const session = keepBlobs() ? await blobStore.session() : null;
  try {
    return await importWith(path, opts, progress, session);
  } finally {
    await session?.close();
  }
}

async function importWith(path: string, opts: ImportCliOptions, progress: ReturnType<typeof progressBar>,
  session: IngestSession | null): Promise<ImportSummary> {
  let images;
  const notices = new Set<string>();
  // The event store opens after the scans (a refused archive creates nothing); its modules load meanwhile.
  // This process does nothing else meanwhile: one layer of an archive file is scanned on this thread.
  scanRangesInThisThread(1);
  // Its start (loading its modules) overlaps this thread's until the first layer is found.
  prestartScanThread();
  whileScanThreadStarts(() => {
    try {
      loadEventStoreModules(opts.db);
      application();
      importing();
    } catch { /* Strata.open below meets it again, and reports it */ }
  });
  try {
    // docker-daemon:NAME[:TAG]: the Engine's `docker save` stream, read as it arrives.
    const source = isDaemonSource(path) ? (await openDaemonImage(daemonImageName(path))).stream : path;
    images = await readImages(source, {
      platform: opts.platform, repo: opts.repo, onProgress: progress.onProgress, blobs: session ?? undefined,
      onNotice: (message) => notices.add(message),
      maxTotalBytes: intOption(opts.maxBytes, '--max-bytes'), maxEntries: intOption(opts.maxEntries, '--max-entries'),
    });
  } finally {
    whileScanThreadStarts(null);
    progress.stop();
  }
  for (const n of notices) process.stderr.write(`strata: notice: ${n}\n`);
  if (opts.tag && images.length !== 1) throw badInput(`--tag needs an archive with exactly one image; this one has ${images.length}`);
  const app = await openApp(opts);
  try {
    return await importing().recordImport(app, images, { actor: cliActor(), extraTags: opts.tag ? [opts.tag] : [] });
  } finally {
    await app.close();
  }
}

export async function importCommand(path: string, opts: ImportCliOptions): Promise<void> {
  if (isRegistrySource(path)) { await pullCommand(path, opts); return; }
  if (opts.allTags || opts.creds || opts.authfile || opts.tlsVerify) {
    throw badInput('--all-tags, --creds, --authfile and --tls-verify apply to docker:// sources');
  }
  const summary = await importSource(path, opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  for (const i of summary.images) {
    const tags = i.tags.length ? i.tags.join(', ') : '<untagged>';
    process.stdout.write(`${i.status}: ${i.imageId.slice(7, 19)} ${tags} (${i.layers} layers, ${i.newLayers} new, ${i.size} bytes)\n`);
  }
  process.stdout.write(`appended ${summary.appended} events; head ${summary.head}\n`);
}
