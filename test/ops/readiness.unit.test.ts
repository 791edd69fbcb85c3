/** Issue 24: the readiness rules other than reachability (metrics/readiness.ts), on a store double. */
import { migrations } from '../../ormconfig';
import { readinessOf } from '../../src/metrics/readiness';
import type { EventStore } from '../../src/eventStore/types';

function store(o: { head?: number; applied?: string[]; writeProblem?: string | null }): EventStore {
  return {
    head: async () => o.head ?? 10,
    writeProblem: async () => o.writeProblem ?? null,
    sql: { dialect: 'sqlite', query: async () => (o.applied ?? []).map((name) => ({ name })), run: async () => undefined },
  } as unknown as EventStore;
}
// The names TypeORM records: read from the migration files' own `name` fields.
const ALL = migrations.map((m) => (new (m as new () => { name: string })()).name);

test('ready when writable, every migration applied and the model within the lag', async () => {
  const r = await readinessOf(store({ applied: ALL }), { position: () => 10, catchUp: () => undefined }, 5)();
  expect(r).toEqual({ ready: true, head: 10, lag: 0 });
});

test('unready while a migration is pending, naming it', async () => {
  const r = await readinessOf(store({ applied: ALL.slice(0, -1) }), { position: () => 10, catchUp: () => undefined })();
  expect(r.ready).toBe(false);
  expect(r.reason).toContain(ALL[ALL.length - 1]!);
});

test('unready when not writable', async () => {
  const r = await readinessOf(store({ applied: ALL, writeProblem: 'the disk is full' }), { position: () => 10, catchUp: () => undefined })();
  expect(r).toEqual({ ready: false, reason: 'not writable: the disk is full', head: 10 });
});

test('unready while the read model is more than the allowed lag behind, and asks it to catch up', async () => {
  const catchUp = jest.fn();
  const r = await readinessOf(store({ head: 100, applied: ALL }), { position: () => 94, catchUp }, 5)();
  expect(r).toEqual({ ready: false, reason: 'the read model is 6 events behind the head', head: 100, lag: 6 });
  expect(catchUp).toHaveBeenCalledTimes(1);
  expect((await readinessOf(store({ head: 100, applied: ALL }), { position: () => 95, catchUp }, 5)()).ready).toBe(true);
});
