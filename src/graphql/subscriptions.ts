import type { EventStore, StoredEvent } from '../eventStore/types';

/** Opaque global ID, as Query.node expects it: base64 of "<Type>:<key>". */
export const encodeGlobalId = (type: string, key: string | number) => Buffer.from(`${type}:${key}`, 'utf8').toString('base64');

/** Inverse of encodeGlobalId; null when the ID is not one of ours. */
export function decodeGlobalId(id: string): { type: string; key: string } | null {
  const text = Buffer.from(id, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0 || encodeGlobalId(text.slice(0, i), text.slice(i + 1)) !== id) return null;
  return { type: text.slice(0, i), key: text.slice(i + 1) };
}

/**
 * A StoredEvent shaped as the contract's Event. The StoredEvent's own fields
 * stay on the object, so Event field resolvers written against either shape work.
 */
export function toGraphQLEvent(e: StoredEvent) {
  return {
    ...e,
    id: encodeGlobalId('Event', e.position),
    actor: e.metadata.actor ?? null,
    recordedAt: e.metadata.recordedAt,
  };
}

export interface FollowOptions {
  /** Only these event types; null, undefined or empty: all. */
  types?: readonly string[] | null;
  /** Events queued for a slow client before the log follower is made to wait. */
  highWaterMark?: number;
}

/**
 * Every event appended after this call, in log order, as an async iterator.
 * Built on store.follow (the log) rather than in-process pub/sub, so events
 * appended by another process (an import, a second server) arrive too.
 * The start position is fixed before the promise resolves: nothing appended
 * after subscribe() resolves is missed.
 */
export async function followEvents(store: EventStore, options: FollowOptions = {}): Promise<AsyncIterableIterator<StoredEvent>> {
  const from = (await store.head()) + 1;
  return new EventFeed(store, from, options);
}

class EventFeed implements AsyncIterableIterator<StoredEvent> {
  private readonly queue: StoredEvent[] = [];
  private readonly waiting: Array<(r: IteratorResult<StoredEvent>) => void> = [];
  private drained: (() => void) | null = null;
  private done = false;
  private readonly handle: { stop(): void };
  private readonly types: Set<string> | null;
  private readonly highWaterMark: number;

  constructor(store: EventStore, from: number, options: FollowOptions) {
    this.types = options.types?.length ? new Set(options.types) : null;
    this.highWaterMark = options.highWaterMark ?? 1000;
    this.handle = store.follow(from, (events) => this.push(events));
  }

  private push(events: StoredEvent[]): Promise<void> | void {
    for (const e of events) {
      if (this.done) return;
      if (this.types && !this.types.has(e.type)) continue;
      const waiter = this.waiting.shift();
      if (waiter) waiter({ value: e, done: false });
      else this.queue.push(e);
    }
    // Backpressure: the follower awaits us, so a slow client holds the log
    // reader back instead of growing this queue without bound.
    if (this.queue.length >= this.highWaterMark) {
      return new Promise<void>((resolve) => (this.drained = resolve));
    }
  }

  next(): Promise<IteratorResult<StoredEvent>> {
    const value = this.queue.shift();
    if (value) {
      if (this.drained && this.queue.length < this.highWaterMark / 2) this.release();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<StoredEvent>> {
    if (!this.done) {
      this.done = true;
      this.handle.stop();
      this.queue.length = 0;
      this.release();
      for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<StoredEvent>> {
    return this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private release() {
    const d = this.drained;
    this.drained = null;
    d?.();
  }
}

/**
 * Subscription resolvers to merge into the schema's resolver map
 * (graphql-tools shape: { Subscription: { events: { subscribe, resolve } } }).
 */
export function subscriptionResolvers(store: EventStore) {
  return {
    Subscription: {
      events: {
        subscribe: (_root: unknown, args: { types?: string[] | null }) => followEvents(store, { types: args.types }),
        resolve: (event: StoredEvent) => toGraphQLEvent(event),
      },
    },
  };
}
