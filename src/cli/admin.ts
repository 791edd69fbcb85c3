/** `strata migrate` and `strata rebuild`. */
import { openEventStore } from '../eventStore';
import { rebuildProjections } from '../application/verify';

export async function migrate(opts: { db?: string }): Promise<void> {
  let applied: string[] = [];
  const store = await openEventStore(opts.db, { onMigrated: (names) => (applied = names) });
  await store.close();
  process.stdout.write(applied.length ? `migrations: applied ${applied.join(', ')}\n` : 'migrations: up to date (nothing to apply)\n');
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
