import type { EventStore, StoredEvent } from '../eventStore/types';
import { badInput } from '../domain/errors';

import { encodeGlobalId } from './globalId';

// Kept where the subscription tests import them from; the codec lives in globalId.ts.
export { decodeGlobalId, encodeGlobalId } from './globalId';

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
  /** Events buffered for one subscriber; past this it is a slow consumer and is cut off. */
  maxBuffered?: number;
  /** Called once when the buffer overflows, with the last position the subscriber was given. */
  onSlowConsumer?: (lastDelivered: number) => void;
  /** Resume: first the events after this position already in the log, then live ones. */
  afterPosition?: number | null;
}

/**
 * WebSocket close code for a subscriber cut off for not reading (private-use
 * range; graphql-ws uses 44xx). The reason names the last position it was given.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

const CATCH_UP_PAGE = 200;

/** Default per-subscriber buffer (docs/reliability.md, "Subscriptions"). */
export const DEFAULT_MAX_BUFFERED = 1000;

/** What a subscription sees when it was cut off for not keeping up. */
export class SlowConsumerError extends Error {
  constructor(readonly lastDelivered: number) {
    super(`slow consumer: more than the buffered events were waiting; resume with Query.events after position ${lastDelivered}`);
  }
}

/**
 * Every event appended after this call, in log order, as an async iterator.
 * Built on the log (store.follow) rather than in-process pub/sub, so events
 * appended by another process (an import, a second server) arrive too; one
 * follower per store fans out to every subscriber (LogHub). The start
 * position is fixed before the promise resolves: nothing appended after
 * subscribe() resolves is missed.
 */
export async function followEvents(store: EventStore, options: FollowOptions = {}): Promise<AsyncIterableIterator<StoredEvent>> {
  const hub = hubFor(store);
  const feed = new EventFeed(options, () => hub.remove(feed));
  // Registered before the head is read: every event after that head reaches the feed.
  hub.add(feed);
  try {
    await hub.started();
    const head = await store.head();
    const after = options.afterPosition;
    if (after !== undefined && after !== null && (!Number.isInteger(after) || after < 0 || after > head)) {
      throw badInput(`afterPosition must be a log position between 0 and the head (${head}), got ${after}`);
    }
    feed.startAt(head + 1, after ?? head, store);
  } catch (e) {
    await feed.return();
    throw e;
  }
  return feed;
}

const hubs = new WeakMap<EventStore, LogHub>();

function hubFor(store: EventStore): LogHub {
  let hub = hubs.get(store);
  if (!hub) {
    hub = new LogHub(store);
    hubs.set(store, hub);
  }
  return hub;
}

/**
 * One log follower per store and process, started with the first subscriber
 * and stopped with the last; it hands each batch to every subscriber without
 * waiting for any of them, so one slow client cannot hold the others back.
 */
class LogHub {
  private readonly feeds = new Set<EventFeed>();
  private follower: { stop(): void } | null = null;
  private ready: Promise<void> | null = null;

  constructor(private readonly store: EventStore) {}

  /** Subscribers right now (tests and /healthz-style introspection). */
  get size(): number {
    return this.feeds.size;
  }

  add(feed: EventFeed): void {
    this.feeds.add(feed);
  }

  remove(feed: EventFeed): void {
    this.feeds.delete(feed);
    if (this.feeds.size === 0 && this.follower) {
      this.follower.stop();
      this.follower = null;
      this.ready = null;
    }
  }

  /** Resolves once the follower runs from a head read before any waiting feed reads its own. */
  started(): Promise<void> {
    this.ready ??= this.store.head().then((head) => {
      if (this.feeds.size === 0) {
        this.ready = null;
        return;
      }
      this.follower = this.store.follow(head + 1, (events) => {
        for (const f of this.feeds) f.push(events);
      });
    }, (e) => {
      this.ready = null;
      throw e;
    });
    return this.ready;
  }
}

/** Live feeds, for the subscriber-lag gauge (metrics/metrics.ts). */
const openFeeds = new Set<EventFeed>();

/** The last position each live subscriber was given. */
export const subscriberPositions = (): number[] => [...openFeeds].map((f) => f.delivered);

class EventFeed implements AsyncIterableIterator<StoredEvent> {
  private queue: StoredEvent[] = [];
  private readonly waiting: Array<{ resolve: (r: IteratorResult<StoredEvent>) => void; reject: (e: unknown) => void }> = [];
  private done = false;
  private failure: SlowConsumerError | null = null;
  /** Events before this position were appended before the subscription: not delivered. */
  private from = Number.POSITIVE_INFINITY;
  private lastDelivered = 0;
  /** Resuming: the next logged position to read, up to `catchUpTo`, before the live queue. */
  private catchUpFrom = 0;
  private catchUpTo = 0;
  private store: EventStore | null = null;
  private readonly types: Set<string> | null;
  private readonly maxBuffered: number;

  constructor(private readonly options: FollowOptions, private readonly detach: () => void) {
    this.types = options.types?.length ? new Set(options.types) : null;
    this.maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    openFeeds.add(this);
  }

  get delivered(): number { return this.lastDelivered; }

  startAt(from: number, after: number, store: EventStore): void {
    this.from = from;
    this.lastDelivered = after;
    this.catchUpFrom = after + 1;
    this.catchUpTo = from - 1;
    this.store = store;
    this.queue = this.queue.filter((e) => e.position >= from);
  }

  /** One page of the logged events a resuming subscriber missed, read at its own pace. */
  private async catchUp(): Promise<IteratorResult<StoredEvent>> {
    while (this.catchUpFrom <= this.catchUpTo && !this.done) {
      const page = await this.store!.readRange(this.catchUpFrom, this.catchUpTo, CATCH_UP_PAGE);
      if (page.length === 0) break;
      this.catchUpFrom = page[page.length - 1]!.position + 1;
      const wanted = this.types ? page.filter((e) => this.types!.has(e.type)) : page;
      if (wanted.length) {
        this.pending.push(...wanted);
        break;
      }
    }
    if (this.catchUpFrom > this.catchUpTo) this.catchUpFrom = this.catchUpTo + 1;
    return this.next();
  }

  /** Called by the hub; never waits (a slow subscriber is cut off, not waited for). */
  push(events: StoredEvent[]): void {
    for (const e of events) {
      if (this.done) return;
      if (this.types && !this.types.has(e.type)) continue;
      if (this.from !== Number.POSITIVE_INFINITY && e.position < this.from) continue;
      const live = this.from !== Number.POSITIVE_INFINITY && this.catchUpFrom > this.catchUpTo;
      const waiter = live ? this.waiting.shift() : undefined;
      if (waiter) {
        this.lastDelivered = e.position;
        waiter.resolve({ value: e, done: false });
      } else if (this.queue.length >= this.maxBuffered) {
        return this.overflow();
      } else this.queue.push(e);
    }
  }

  private overflow(): void {
    this.failure = new SlowConsumerError(this.lastDelivered);
    this.queue = [];
    this.done = true;
    openFeeds.delete(this);
    this.detach();
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    this.options.onSlowConsumer?.(this.lastDelivered);
  }

  /** Catch-up events read but not yet handed out. */
  private pending: StoredEvent[] = [];

  next(): Promise<IteratorResult<StoredEvent>> {
    const caught = this.pending.shift();
    if (caught) {
      this.lastDelivered = caught.position;
      return Promise.resolve({ value: caught, done: false });
    }
    if (!this.done && this.catchUpFrom <= this.catchUpTo) return this.catchUp();
    const value = this.queue.shift();
    if (value) {
      this.lastDelivered = value.position;
      return Promise.resolve({ value, done: false });
    }
    if (this.failure) {
      const f = this.failure;
      this.failure = null;
      return Promise.reject(f);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<StoredEvent>> {
    openFeeds.delete(this);
    if (!this.done) {
      this.done = true;
      this.detach();
      this.queue = [];
      this.pending = [];
      for (const w of this.waiting.splice(0)) w.resolve({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<StoredEvent>> {
    return this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Per-operation subscription settings the transport puts in the context (server.ts). */
export interface SubscriptionContext {
  onSlowConsumer?: (lastDelivered: number) => void;
  maxBuffered?: number;
}

/**
 * Subscription resolvers to merge into the schema's resolver map
 * (graphql-tools shape: { Subscription: { events: { subscribe, resolve } } }).
 */
export function subscriptionResolvers(store: EventStore) {
  return {
    Subscription: {
      events: {
        subscribe: (
          _root: unknown, args: { types?: string[] | null; afterPosition?: number | null }, ctx?: { subscription?: SubscriptionContext },
        ) =>
          followEvents(store, { types: args.types, afterPosition: args.afterPosition, ...ctx?.subscription }),
        resolve: (event: StoredEvent) => toGraphQLEvent(event),
      },
    },
  };
}
