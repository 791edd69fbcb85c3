/** `strata export REF DEST`: an image from the ledger and blob store to oci:, oci-archive: or docker-archive:. */
import { Strata } from '../application/strata';
import { exportImage } from '../export';

export async function exportCommand(ref: string, dest: string, opts: { db?: string; blobs?: string; json?: boolean }): Promise<void> {
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
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
