/**
 * The hash chain (src/eventStore/hashChain.ts, docs/domain.md §7), pure part:
 * hash = sha256(prevHash + canonical JSON of the immutable fields). The expected
 * hashes are computed here from hand-written canonical text with node:crypto,
 * not with the code's own canonicalJson.
 */
import { createHash } from 'node:crypto';
import { ChainVerifier, eventHash, GENESIS_HASH, HashableEvent } from '../../src/eventStore/hashChain';
import type { StoredEvent } from '../../src/eventStore/types';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const body = (position: number): HashableEvent => ({
  position, stream: 'tag-app:1', version: position, type: 'TagMoved', schemaVersion: 1,
  data: { tag: 'app:1', to: `sha256:${position}`, from: null },
  metadata: { recordedAt: '2024-05-01T12:00:00Z', actor: 'alice' },
  idempotencyKey: position === 1 ? 'k1' : null,
});
/** A chain of n events, each hashed over its predecessor's hash. */
const chainOf = (n: number): StoredEvent[] => {
  const out: StoredEvent[] = [];
  let prev = GENESIS_HASH;
  for (let p = 1; p <= n; p++) {
    const hash = eventHash(prev, body(p));
    out.push({ ...body(p), prevHash: prev, hash });
    prev = hash;
  }
  return out;
};
const verify = (events: StoredEvent[]) => {
  const v = new ChainVerifier();
  events.forEach((e) => v.feed(e));
  return v.result();
};

describe('eventHash', () => {
  test('sha256 of the previous hash followed by the canonical JSON of the immutable fields (keys sorted, no spaces)', () => {
    const text = '{"data":{"from":null,"tag":"app:1","to":"sha256:1"},"idempotencyKey":"k1",'
      + '"metadata":{"actor":"alice","recordedAt":"2024-05-01T12:00:00Z"},"position":1,"schemaVersion":1,'
      + '"stream":"tag-app:1","type":"TagMoved","version":1}';
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(eventHash(GENESIS_HASH, body(1))).toBe(sha(GENESIS_HASH + text));
  });

  test('the stored hashes are not part of what is hashed; key order of the input does not matter', () => {
    const e = body(2);
    const withHashes = { ...e, prevHash: 'p'.repeat(64), hash: 'h'.repeat(64) } as HashableEvent;
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as unknown as HashableEvent;
    expect(eventHash('a'.repeat(64), withHashes)).toBe(eventHash('a'.repeat(64), e));
    expect(eventHash('a'.repeat(64), reordered)).toBe(eventHash('a'.repeat(64), e));
  });

  test.each<[string, Partial<HashableEvent>]>([
    ['position', { position: 9 }], ['stream', { stream: 'tag-app:2' }], ['version', { version: 9 }], ['type', { type: 'TagRemoved' }],
    ['schemaVersion', { schemaVersion: 2 }], ['data', { data: { tag: 'app:1', to: 'sha256:2', from: null } }],
    ['metadata', { metadata: { recordedAt: '2024-05-01T12:00:00Z', actor: 'bob' } }], ['idempotencyKey', { idempotencyKey: 'k2' }],
  ])('every immutable field is covered: a different %s gives a different hash', (_field, change) => {
    expect(eventHash(GENESIS_HASH, { ...body(1), ...change })).not.toBe(eventHash(GENESIS_HASH, body(1)));
  });

  test('the previous hash is covered', () => {
    expect(eventHash('1'.repeat(64), body(1))).not.toBe(eventHash(GENESIS_HASH, body(1)));
  });
});

describe('ChainVerifier', () => {
  test('an intact chain: ok, every event checked, head = the last hash', () => {
    const events = chainOf(4);
    expect(verify(events)).toEqual({ ok: true, checked: 4, firstBadPosition: null, reason: null, headHash: events[3]?.hash });
  });

  test('an empty chain is ok with the genesis head', () => {
    expect(verify([])).toEqual({ ok: true, checked: 0, firstBadPosition: null, reason: null, headHash: GENESIS_HASH });
  });

  test('the first event must follow the genesis hash', () => {
    const [first] = chainOf(1) as [StoredEvent];
    const forged = { ...first, prevHash: '1'.repeat(64) };
    forged.hash = eventHash(forged.prevHash, forged);
    expect(verify([forged])).toMatchObject({ ok: false, firstBadPosition: 1, reason: 'prevHash does not match the hash of position 0' });
  });

  test('an edited row: its stored hash no longer matches its content; checking stops there', () => {
    const events = chainOf(4);
    events[1] = { ...(events[1] as StoredEvent), data: { tag: 'app:1', to: 'sha256:evil', from: null } };
    expect(verify(events)).toEqual({
      ok: false, checked: 2, firstBadPosition: 2,
      reason: 'the stored hash does not match the event\'s content (the row was edited)', headHash: events[0]?.hash,
    });
  });

  test('an edited row whose hash was recomputed: the next row\'s prevHash gives it away', () => {
    const events = chainOf(3);
    const edited = { ...(events[1] as StoredEvent), data: { tag: 'app:1', to: 'sha256:evil', from: null } };
    edited.hash = eventHash(edited.prevHash, edited);
    events[1] = edited;
    expect(verify(events)).toMatchObject({
      ok: false, checked: 3, firstBadPosition: 3, reason: 'prevHash does not match the hash of position 2', headHash: edited.hash,
    });
  });

  test('a deleted row: a position gap, reported at the missing position', () => {
    const events = chainOf(4);
    events.splice(1, 1);
    expect(verify(events)).toMatchObject({
      ok: false, checked: 2, firstBadPosition: 2,
      reason: 'expected position 2, found 3 (a row was deleted or reordered)',
    });
  });

  test('reordered rows: reported at the lower of the two positions', () => {
    const [one, two, three] = chainOf(3) as [StoredEvent, StoredEvent, StoredEvent];
    expect(verify([one, three, two])).toMatchObject({
      ok: false, firstBadPosition: 2, reason: 'expected position 2, found 3 (a row was deleted or reordered)',
    });
    // a row from before the expected one (a duplicate): the lower is the row's own position
    expect(verify([one, two, one])).toMatchObject({
      ok: false, checked: 3, firstBadPosition: 1, reason: 'expected position 3, found 1 (a row was deleted or reordered)',
      headHash: two.hash,
    });
  });

  test('after the first bad row nothing more is counted', () => {
    const events = chainOf(5);
    events[0] = { ...(events[0] as StoredEvent), hash: 'f'.repeat(64) };
    const r = verify(events);
    expect(r).toMatchObject({ ok: false, checked: 1, firstBadPosition: 1, headHash: GENESIS_HASH });
  });
});
