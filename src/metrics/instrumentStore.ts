/** Counts and times appends for /metrics without the event store knowing about metrics. */
import type { EventStore } from '../eventStore/types';
import type { Metrics } from './metrics';

export function instrumentStore(store: EventStore, metrics: Metrics): EventStore {
  const append: EventStore['append'] = async (batch, options, within) => {
    const end = metrics.appendSeconds.startTimer();
    try {
      const result = await store.append(batch, options, within);
      end();
      metrics.appends.inc({ outcome: result.duplicate ? 'replay' : 'ok' });
      if (result.duplicate) metrics.replays.inc();
      if (!result.duplicate) for (const e of result.events) metrics.appendedEvents.inc({ type: e.type });
      return result;
    } catch (e) {
      end();
      metrics.appends.inc({ outcome: (e as { code?: unknown })?.code === 'CONFLICT' ? 'conflict' : 'error' });
      throw e;
    }
  };
  // Everything else (reads, follow, writeTransaction, adapter extras) is the store's own.
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') return append;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
