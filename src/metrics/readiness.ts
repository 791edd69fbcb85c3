/**
 * Readiness for a load balancer or Kubernetes probe (`GET /readyz`), apart
 * from liveness (`/healthz`): the database answers and takes writes, its
 * migrations are the ones this build knows, and the in-memory read model is
 * within STRATA_READY_MAX_LAG events of the head.
 */
import { migrations } from '../../ormconfig';
import { appliedMigrations } from '../eventStore/appliedMigrations';
import type { EventStore } from '../eventStore/types';

export interface ReadyState { ready: boolean; reason?: string; head?: number; lag?: number }
export type Readiness = () => Promise<ReadyState>;

export const DEFAULT_MAX_LAG = 1000;

/** Migration names as TypeORM records them (the class's `name`, else the class name). */
const knownMigrations = (): string[] => migrations.map((m) => ((new (m as new () => { name?: string })()).name ?? m.name));

export function readinessOf(store: EventStore, model: { position(): number; catchUp(): void }, maxLag = DEFAULT_MAX_LAG): Readiness {
  const known = knownMigrations();
  return async () => {
    let head: number;
    try {
      head = await store.head();
    } catch {
      return { ready: false, reason: 'the database is unavailable' };
    }
    const problem = store.writeProblem ? await store.writeProblem().catch(() => 'the database cannot be checked') : null;
    if (problem) return { ready: false, reason: `not writable: ${problem}`, head };
    const applied = new Set(await appliedMigrations(store));
    const missing = known.filter((n) => !applied.has(n));
    if (missing.length) return { ready: false, reason: `migrations pending: ${missing.join(', ')}; run strata migrate`, head };
    if (applied.size > known.length) return { ready: false, reason: 'the database has migrations this build does not know; upgrade', head };
    const lag = Math.max(0, head - model.position());
    if (lag > maxLag) {
      // The read model folds on demand: the probe asks it to catch up, and says so until it has.
      model.catchUp();
      return { ready: false, reason: `the read model is ${lag} events behind the head`, head, lag };
    }
    return { ready: true, head, lag };
  };
}
