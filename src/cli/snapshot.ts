/**
 * `strata snapshot`: writes a read-model snapshot now (docs/adr/0012-read-model-snapshots.md):
 * starts from the newest usable one, folds the log after it, writes the
 * result. `strata serve` runs it in a child process when its model is
 * STRATA_SNAPSHOT_EVERY events past the newest snapshot, so the encoding
 * never holds the server's event loop; cron or a deploy step may run it too.
 */
import { Strata } from '../application/strata';

export async function snapshotCommand(opts: { db?: string }): Promise<void> {
  const app = await Strata.open(opts.db);
  try {
    app.onReadModelLog = (line) => process.stderr.write(`strata: ${line}\n`);
    await app.models.current();
    const written = await app.models.snapshot();
    process.stdout.write(written
      ? `read model snapshot at position ${written.position}: ${(written.bytes / 1e6).toFixed(1)} MB (${written.id})\n`
      : `read model snapshot: up to date at position ${app.models.position}\n`);
  } finally {
    await app.close();
  }
}
