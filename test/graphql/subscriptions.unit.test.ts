import { decodeGlobalId, encodeGlobalId, followEvents, subscriptionResolvers, toGraphQLEvent } from '../../src/graphql/subscriptions';
import { FakeStore } from './fakeStore';

const add = (store: FakeStore, ...types: string[]) =>
  store.append([{ stream: 's', expectedVersion: 'any', events: types.map((type) => ({ type, data: {} })) }], { actor: 'me' });

test('global IDs round-trip and reject foreign strings', () => {
  expect(encodeGlobalId('Event', 7)).toBe(Buffer.from('Event:7').toString('base64'));
  expect(decodeGlobalId(encodeGlobalId('Event', 7))).toEqual({ type: 'Event', key: '7' });
  expect(decodeGlobalId('not-base64!')).toBeNull();
});

test('toGraphQLEvent keeps the stored fields and adds id, actor, recordedAt', async () => {
  const store = new FakeStore();
  const { events } = await add(store, 'A');
  const e = toGraphQLEvent(events[0]!);
  expect(e).toMatchObject({ position: 1, type: 'A', actor: 'me', recordedAt: events[0]!.metadata.recordedAt, hash: events[0]!.hash });
  expect(decodeGlobalId(e.id)).toEqual({ type: 'Event', key: '1' });
});

test('the feed starts after the head at subscribe time and filters by type', async () => {
  const store = new FakeStore();
  await add(store, 'A');
  const feed = await followEvents(store, { types: ['A'] });
  await add(store, 'B', 'A', 'A');
  expect((await feed.next()).value.position).toBe(3);
  expect((await feed.next()).value.position).toBe(4);
  await feed.return!();
  expect(store.followerCount).toBe(0);
  expect((await feed.next()).done).toBe(true);
});

test('return() ends a pending next() and stops following', async () => {
  const store = new FakeStore();
  const feed = await followEvents(store);
  const pending = feed.next();
  await feed.return!();
  expect(await pending).toEqual({ value: undefined, done: true });
  expect(store.followerCount).toBe(0);
});

test('a slow consumer holds the follower back instead of buffering without bound', async () => {
  const store = new FakeStore();
  let delivered = 0;
  const realFollow = store.follow.bind(store);
  store.follow = (from, onEvents) => realFollow(from, async (batch) => { await onEvents(batch); delivered += batch.length; });
  const feed = await followEvents(store, { highWaterMark: 4 });
  await add(store, 'A', 'A', 'A', 'A', 'A', 'A');
  await new Promise((r) => setTimeout(r, 20));
  expect(delivered).toBe(0); // onEvents has not returned: the queue is full
  for (let i = 0; i < 5; i++) await feed.next(); // below half the high-water mark: released
  await new Promise((r) => setTimeout(r, 20));
  expect(delivered).toBe(6);
  await feed.return!();
});

test('subscriptionResolvers has the graphql-tools shape', async () => {
  const store = new FakeStore();
  const r = subscriptionResolvers(store).Subscription.events;
  const it = await r.subscribe(undefined, { types: null });
  await add(store, 'X');
  const { value } = await it.next();
  expect(r.resolve(value).type).toBe('X');
  await it.return!();
});
