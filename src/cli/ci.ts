/**
 * `strata ci REF`: dive's CI gate plus Strata's rules (docs/ci.md). REF is an
 * image in the ledger, or a source `strata import` takes (imported first, as
 * a normal import). Exit 0 when every rule passes, 1 when one fails, 2 on bad
 * configuration or input (one line naming the key and the value).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Strata } from '../application/strata';
import { checkImage } from '../application/check';
import { DomainError } from '../domain/errors';
import { looksLikeImageId } from '../domain/reference';
import { loadCiRules } from './ciConfig';
import { jsonReport, junitReport, textReport } from './ciReport';
import { requireExistingDatabase } from './existingDatabase';
import { importSource } from './import';
import { ExitError, reasonOf } from './output';

export interface CiCliOptions {
  db?: string; blobs?: string; ciConfig?: string; rules?: string; json?: boolean; junit?: string; aboveBase?: boolean; platform?: string;
  lowestEfficiency?: string; highestWastedBytes?: string; highestUserWastedPercent?: string;
  maxLayers?: string; maxGrowthOverParentBytes?: string; allowedBases?: string[]; forbiddenPaths?: string[]; minWastedBytes?: string;
}

const SOURCE_PREFIX = /^(docker-archive|oci|oci-archive|docker|docker-daemon|containers-storage|dir):/;

/** A source to import rather than a reference to look up: a transport prefix, "-", or an existing file or directory. */
export function isImportSource(ref: string): boolean {
  if (looksLikeImageId(ref)) return false;
  return ref === '-' || SOURCE_PREFIX.test(ref) || fs.existsSync(ref);
}

/** Anything wrong with what the user gave (rules, reference, archive) exits 2 with one line. */
const asBadInput = (e: unknown): never => {
  if (e instanceof ExitError) throw e;
  if (e instanceof DomainError && !['BAD_USER_INPUT', 'NOT_FOUND', 'INVALID_ARCHIVE'].includes(e.code)) throw e;
  throw new ExitError(reasonOf(e), 2);
};

export async function ciCommand(ref: string, opts: CiCliOptions): Promise<void> {
  if (opts.junit) {
    const folder = path.dirname(path.resolve(opts.junit));
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new ExitError(`--junit: folder ${folder} does not exist`, 2);
  }
  const { rules } = (() => {
    try {
      return loadCiRules({
        ciConfig: opts.ciConfig, rules: opts.rules, aboveBase: opts.aboveBase,
        flags: {
          lowestEfficiency: opts.lowestEfficiency, highestWastedBytes: opts.highestWastedBytes,
          highestUserWastedPercent: opts.highestUserWastedPercent,
          maxLayers: opts.maxLayers, maxGrowthOverParentBytes: opts.maxGrowthOverParentBytes, allowedBases: opts.allowedBases,
          forbiddenPaths: opts.forbiddenPaths, minWastedBytes: opts.minWastedBytes,
        },
      });
    } catch (e) { return asBadInput(e); }
  })();

  let imageRef = ref;
  if (isImportSource(ref)) {
    const summary = await importSource(ref, { db: opts.db, blobs: opts.blobs, platform: opts.platform }).catch(asBadInput);
    if (summary.images.length !== 1) {
      throw new ExitError(`${ref} holds ${summary.images.length} images; strata ci judges one (import it, then name the image)`, 2);
    }
    imageRef = summary.images[0]!.imageId;
    process.stderr.write(`imported ${ref}: ${summary.images[0]!.status} ${imageRef}\n`);
  } else {
    // Only a source to import may create the database; a reference needs one that exists (a mistyped --db must not answer).
    requireExistingDatabase(opts.db);
  }

  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  let report;
  try {
    const model = await app.models.current();
    const rec = model.resolve(imageRef);
    if (!rec) throw new ExitError(`no image "${ref}" in the ledger (and not a file, directory or source to import)`, 2);
    report = await checkImage(app, model, rec, rules).catch(asBadInput);
  } finally {
    await app.close();
  }

  if (opts.junit) fs.writeFileSync(opts.junit, junitReport(report));
  process.stdout.write(opts.json ? `${JSON.stringify(jsonReport(report), null, 2)}\n` : textReport(report));
  process.exitCode = report.result.pass ? 0 : 1;
}
