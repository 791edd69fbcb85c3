/**
 * Query.events filtered by actor and by recording time, at an asOf position,
 * and Query.positionAt (issue 20: the dashboard's audit trail and its date
 * picker). Events are appended with chosen actors and recordedAt instants, so
 * every expected list is known from what the test wrote.
 */
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';

const T = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

describe.each(backendNames())('events by actor and time, positionAt (%s)', (backend) => {
  let t: TestApp;
  // position 1..6: (actor, minute)
  const written: [string | undefined, number][] = [['alice', 0], ['bob', 10], ['alice', 20], [undefined, 30], ['bob', 40], ['alice', 50]];
  beforeAll(async () => {
    t = await openTestApp(backend);
    for (const [k, [actor, minute]] of written.entries()) {
      await t.app.store.append([{ stream: `s:${k % 2}`, expectedVersion: 'any', events: [{ type: k % 2 ? 'Odd' : 'Even', data: { k } }] }],
        { actor, recordedAt: T(minute) });
    }
  }, 60_000);
  afterAll(async () => { await t.close(); });

  const positions = async (args: string) =>
    (await t.gql(`{ events(first: 100${args}) { totalCount edges { node { position actor recordedAt } } } }`)).events;

  it('filters by actor, alone and with types and stream', async () => {
    const alice = await positions(', actor: "alice"');
    expect(alice.edges.map((e: any) => e.node.position)).toEqual([1, 3, 6]);
    expect(alice.totalCount).toBe(3);
    expect(alice.edges.every((e: any) => e.node.actor === 'alice')).toBe(true);
    expect((await positions(', actor: "bob", types: ["Odd"]')).edges.map((e: any) => e.node.position)).toEqual([2]);
    expect((await positions(', actor: "alice", stream: "s:1"')).edges.map((e: any) => e.node.position)).toEqual([6]);
    expect((await positions(', actor: "nobody"')).totalCount).toBe(0);
  });

  it('filters by a time range, inclusive at both ends, whatever the offset the bounds are written in', async () => {
    const r = await positions(', since: "2026-01-01T12:10:00Z", until: "2026-01-01T13:40:00+01:00"');
    expect(r.edges.map((e: any) => e.node.position)).toEqual([2, 3, 4, 5]);
    expect(r.totalCount).toBe(4);
    expect((await positions(', since: "2026-01-01T12:45:00Z"')).edges.map((e: any) => e.node.position)).toEqual([6]);
    expect((await positions(', until: "2026-01-01T12:00:00.000Z", actor: "alice"')).edges.map((e: any) => e.node.position)).toEqual([1]);
  });

  it('asOf keeps the events at or before the position, and pages with after', async () => {
    const r = await t.gql('{ events(first: 2, asOf: 4) { totalCount pageInfo { hasNextPage endCursor } edges { node { position } } } }');
    expect(r.events.totalCount).toBe(4);
    expect(r.events.edges.map((e: any) => e.node.position)).toEqual([1, 2]);
    const next = await t.gql('query($a: String) { events(first: 10, asOf: 4, after: $a) { pageInfo { hasNextPage } edges { node { position } } } }',
      { a: r.events.pageInfo.endCursor });
    expect(next.events.edges.map((e: any) => e.node.position)).toEqual([3, 4]);
    expect(next.events.pageInfo.hasNextPage).toBe(false);
  });

  it('positionAt maps a date-time to the newest position recorded at or before it', async () => {
    const at = async (iso: string) => (await t.gql('query($a: DateTime!) { positionAt(at: $a) }', { a: iso })).positionAt;
    expect(await at('2025-12-31T00:00:00Z')).toBe(0);
    expect(await at(T(0).toISOString())).toBe(1);
    expect(await at('2026-01-01T12:39:59.999Z')).toBe(4);
    expect(await at('2026-01-01T13:40:00+01:00')).toBe(5);
    expect(await at('2030-01-01T00:00:00Z')).toBe(6);
  });

  it('refuses a reversed range and a negative asOf with BAD_USER_INPUT, naming the problem', async () => {
    const bad = await t.gqlRaw('{ events(since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { totalCount } }');
    expect(bad.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/since .* is after until/) });
    const neg = await t.gqlRaw('{ events(asOf: -1) { totalCount } }');
    expect(neg.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('asOf must be a log position') });
    const notDate = await t.gqlRaw('{ positionAt(at: "yesterday") }');
    expect(notDate.errors?.[0]?.code).toBe('BAD_USER_INPUT');
  });
});
