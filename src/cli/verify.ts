/**
 * `strata verify`: hash chain, stored entry lists, and projections equal to a
 * replay — on a read-only connection that never migrates or writes (a replay
 * goes into TEMP tables), so it also runs on a read-only or copied database.
 * `--blobs`: also re-hashes every stored blob and names a damaged one.
 */
import { openReadOnlyLog, type ReadOnlyLog } from '../eventStore/readOnly';
import { PROJECTION_TABLES } from '../projections/tables';
import { ReadModel } from '../projections/readModel';
import { openBlobStore } from '../blobs';
import { verifyBlobs } from '../application/blobs/verifyBlobs';
import { verifyLogReadOnly } from '../application/verify';

/** The read model of the whole log (to name the images a damaged blob breaks). */
async function modelOf(log: ReadOnlyLog): Promise<ReadModel> {
  const model = new ReadModel();
  for (let from = 1; ;) {
    const events = await log.readRange(from, undefined, 5000);
    if (events.length === 0) return model;
    model.applyAll(events);
    from = events[events.length - 1]!.position + 1;
  }
}

export async function verify(opts: { db?: string; expectHead?: string; json?: boolean; blobs?: string | boolean }): Promise<number> {
  const store = await openReadOnlyLog(opts.db, { scratchTables: Object.keys(PROJECTION_TABLES) });
  try {
    const { chain, contents, projections } = await verifyLogReadOnly(store, opts.expectHead);
    const blobStore = opts.blobs ? openBlobStore(opts.db, typeof opts.blobs === 'string' ? opts.blobs : null) : null;
    const blobs = blobStore && chain.ok ? await verifyBlobs(blobStore, await modelOf(store)) : null;
    const logOk = chain.ok && contents.length === 0 && projections.length === 0;
    const ok = logOk && (blobs?.damaged.length ?? 0) === 0;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ok, chain, contents, projections, ...(blobs ? { blobs } : {}) }, null, 2)}\n`);
    } else if (ok) {
      process.stdout.write(`ok: ${chain.checked} events, chain intact, head ${chain.headPosition} ${chain.headHash}; `
        + `entry lists and projections match a replay${blobs ? `; ${blobs.checked} blobs (${blobs.bytes} bytes) re-hashed` : ''}\n`);
    } else if (!chain.ok) {
      process.stderr.write(`strata: verify failed at position ${chain.firstBadPosition}: ${chain.reason}\n`);
    } else if (contents.length) {
      process.stderr.write(`strata: verify failed at position ${contents[0]!.position}: ${contents[0]!.reason}\n`);
    } else if (projections.length) {
      const d = projections[0]!;
      const detail = d.detail.slice(0, 300);
      process.stderr.write(`strata: verify failed: projection ${d.table} differs from a replay (${detail}); run strata rebuild\n`);
    } else {
      const d = blobs!.damaged[0]!;
      const more = blobs!.damaged.length > 1 ? ` (and ${blobs!.damaged.length - 1} more)` : '';
      const users = d.images.length ? `; used by ${d.images.join(', ')}` : '';
      process.stderr.write(`strata: verify failed: blob ${d.digest} is damaged (its bytes hash to ${d.actual}${users})${more}\n`);
    }
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
