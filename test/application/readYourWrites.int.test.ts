/**
 * Read-your-writes under concurrency: a query that starts after a write
 * returned sees it, even while another request's catch-up (which read the
 * head before the write) is still in flight.
 */
import { ReadModelSource } from '../../src/projections/readModelSource';
import { openEventStore } from '../../src/eventStore';
import type { EventStore } from '../../src/eventStore/types';
import { freshDb, type TestDb } from '../helpers/backends';

describe('ReadModelSource.current', () => {
  let db: TestDb;
  let store: EventStore;
  beforeEach(async () => { db = await freshDb('sqlite'); store = await openEventStore(db.url); });
  afterEach(async () => { await store.close(); await db.drop(); });

  it('never hands a caller a catch-up that started before its write', async () => {
    let releaseHead: (() => void) | null = null;
    let slowOnce = true;
    let earlyHead: number | null = null;
    const slow: EventStore = new Proxy(store, {
      get(target, prop) {
        if (prop === 'head') {
          return async () => {
            const h = await target.head();
            if (slowOnce) { slowOnce = false; earlyHead = h; await new Promise<void>((r) => { releaseHead = r; }); }
            return h;
          };
        }
        const v = (target as any)[prop];
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const source = new ReadModelSource(slow);
    const early = source.current(); // reads head 0, then stalls
    await new Promise((r) => setTimeout(r, 10));
    await store.append([{ stream: 'tag:a:1', expectedVersion: 0, events: [{ type: 'TagMoved', data: { tag: 'a:1', from: null, to: 'sha256:x' } }] }]);
    const late = source.current(); // asked after the write returned
    releaseHead!();
    await early;
    // The race happened: the early catch-up read the head before the write...
    expect(earlyHead).toBe(0);
    // ...and the caller who asked after the write did not share it.
    expect((await late).position).toBe(1);
  });
});
