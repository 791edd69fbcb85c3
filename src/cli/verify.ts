/**
 * `strata verify`: hash chain, stored entry lists, and projections equal to a
 * replay — on a read-only connection that never migrates or writes (a replay
 * goes into TEMP tables), so it also runs on a read-only or copied database.
 */
import { openReadOnlyLog } from '../eventStore/readOnly';
import { PROJECTION_TABLES } from '../projections/tables';
import { verifyChain, verifyContents, verifyIdempotencyKeys, verifyProjectionsReadOnly } from '../application/verify';

export async function verify(opts: { db?: string; expectHead?: string; json?: boolean }): Promise<number> {
  const store = await openReadOnlyLog(opts.db, { scratchTables: Object.keys(PROJECTION_TABLES) });
  try {
    const chain = await verifyChain(store, opts.expectHead);
    const contents = chain.ok ? [...await verifyContents(store), ...await verifyIdempotencyKeys(store)] : [];
    const projections = chain.ok ? await verifyProjectionsReadOnly(store) : [];
    const ok = chain.ok && contents.length === 0 && projections.length === 0;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ok, chain, contents, projections }, null, 2)}\n`);
    } else if (ok) {
      process.stdout.write(`ok: ${chain.checked} events, chain intact, head ${chain.headPosition} ${chain.headHash}; `
        + 'entry lists and projections match a replay\n');
    } else if (!chain.ok) {
      process.stderr.write(`strata: verify failed at position ${chain.firstBadPosition}: ${chain.reason}\n`);
    } else if (contents.length) {
      process.stderr.write(`strata: verify failed at position ${contents[0]!.position}: ${contents[0]!.reason}\n`);
    } else {
      const d = projections[0]!;
      const detail = d.detail.slice(0, 300);
      process.stderr.write(`strata: verify failed: projection ${d.table} differs from a replay (${detail}); run strata rebuild\n`);
    }
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
