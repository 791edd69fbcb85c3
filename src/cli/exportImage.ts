/**
 * `strata export REF DEST`: an image from the ledger and blob store to oci:, oci-archive:, docker-archive:
 * or a registry (docker://HOST/REPO:TAG, only missing blobs uploaded; recorded as a transfer).
 */
import { Strata } from '../application/strata';
import { pushImage } from '../application/registryPush';
import { badInput } from '../domain/errors';
import { exportImage } from '../export';
import { isRegistrySource } from '../registry';
import { cliActor } from './output';
import { tlsVerifyOption } from './import';

export interface ExportCliOptions { db?: string; blobs?: string; json?: boolean; creds?: string; authfile?: string; tlsVerify?: string }

export async function exportCommand(ref: string, dest: string, opts: ExportCliOptions): Promise<void> {
  const registry = isRegistrySource(dest);
  if (!registry && (opts.creds || opts.authfile || opts.tlsVerify)) throw badInput('--creds, --authfile and --tls-verify apply to docker:// destinations');
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
    if (registry) {
      const r = await pushImage(app, ref, dest, {
        actor: cliActor(), creds: opts.creds, authFile: opts.authfile, tlsVerify: tlsVerifyOption(opts.tlsVerify),
      });
      if (opts.json) { process.stdout.write(`${JSON.stringify({ ...r, event: r.event?.position ?? null }, null, 2)}\n`); return; }
      process.stdout.write(`pushed ${r.imageId.slice(7, 19)} to ${r.destination} (manifest ${r.manifestDigest}): `
        + `uploaded ${r.uploadedBlobs} `
        + `blobs (${r.uploadedBytes} bytes), skipped ${r.skippedBlobs} (${r.skippedBytes} bytes, ${r.mountedBlobs} mounted)\n`);
      return;
    }
    const r = await exportImage(app, ref, dest);
    if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      const bytes = r.bytes !== null ? `, ${r.bytes} bytes` : '';
      process.stdout.write(`exported ${r.imageId.slice(7, 19)} to ${dest} (manifest ${r.manifestDigest}${bytes})\n`);
    }
  } finally {
    await app.close();
  }
}
