/** `strata gc [--dry-run]`: deletes blobs no live image references; prints what it frees. */
import { Strata } from '../application/strata';
import { collectGarbage } from '../application/blobs/gc';
import { cliActor } from './output';

export async function gcCommand(opts: { dryRun?: boolean; db?: string; blobs?: string; json?: boolean }): Promise<void> {
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
    const r = await collectGarbage(app, { dryRun: opts.dryRun, actor: cliActor() });
    if (opts.json) { process.stdout.write(`${JSON.stringify(r, null, 2)}\n`); return; }
    const verb = opts.dryRun ? 'would delete' : 'deleted';
    for (const b of r.removed) process.stdout.write(`${verb} ${b.digest} (${b.size} bytes)\n`);
    const leftovers = r.leftovers ? `; removed ${r.leftovers} leftover temp files of interrupted writers` : '';
    const recorded = r.position ? `; recorded at position ${r.position}` : '';
    process.stdout.write(`${verb} ${r.removed.length} blobs, ${r.bytes} bytes${leftovers}${recorded}\n`);
  } finally {
    await app.close();
  }
}
