/** `strata migrate` and `strata rebuild`. */
import { openEventStore } from '../eventStore';
import { rebuildProjections } from '../application/verify';

export async function migrate(opts: { db?: string }): Promise<void> {
  const store = await openEventStore(opts.db);
  await store.close();
  process.stdout.write('migrations: up to date\n');
}

export async function rebuild(opts: { db?: string }): Promise<void> {
  const store = await openEventStore(opts.db);
  try {
    const n = await rebuildProjections(store);
    process.stdout.write(`rebuilt the projections from ${n} events\n`);
  } finally {
    await store.close();
  }
}
