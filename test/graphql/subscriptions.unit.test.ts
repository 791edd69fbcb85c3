import { decodeGlobalId, encodeGlobalId, followEvents, SlowConsumerError, subscriptionResolvers, toGraphQLEvent } from '../../src/graphql/subscriptions';
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

test('one follower per store fans out to every subscriber', async () => {
  const store = new FakeStore();
  const feeds = await Promise.all(Array.from({ length: 20 }, () => followEvents(store)));
  expect(store.followerCount).toBe(1);
  await add(store, 'A', 'B');
  for (const f of feeds) {
    expect((await f.next()).value.position).toBe(1);
    expect((await f.next()).value.position).toBe(2);
  }
  const late = await followEvents(store); // joins the running follower: starts after its own head
  await add(store, 'C');
  expect((await late.next()).value.position).toBe(3);
  for (const f of [...feeds, late]) await f.return!();
  expect(store.followerCount).toBe(0);
});

test('a slow consumer is cut off at its buffer, told its last position, and does not hold the others back', async () => {
  const store = new FakeStore();
  const cut: number[] = [];
  const slow = await followEvents(store, { maxBuffered: 4, onSlowConsumer: (last) => cut.push(last) });
  const fast = await followEvents(store);
  await add(store, 'A');
  expect((await slow.next()).value.position).toBe(1); // delivered: the resume point
  await add(store, 'A', 'A', 'A', 'A', 'A', 'A');
  await new Promise((r) => setTimeout(r, 20));
  expect(cut).toEqual([1]);
  await expect(slow.next()).rejects.toBeInstanceOf(SlowConsumerError);
  expect((await slow.next()).done).toBe(true);
  const got: number[] = [];
  for (let i = 0; i < 7; i++) got.push((await fast.next()).value.position);
  expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
  await fast.return!();
  expect(store.followerCount).toBe(0);
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
