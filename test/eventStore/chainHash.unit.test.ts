/**
 * chainHash, the append's per-event hash (src/eventStore/hashChain.ts): the
 * canonical metadata comes in precomputed, the rest is written key by key. The
 * expected hash is computed here from hand-written canonical text with
 * node:crypto, as test/eventStore/hashChain.unit.test.ts does for eventHash.
 */
import { createHash } from 'node:crypto';
import { chainHash, eventHash, GENESIS_HASH, type HashableEvent } from '../../src/eventStore/hashChain';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const event: HashableEvent = {
  position: 7, stream: 'tag-app:1', version: 3, type: 'TagMoved', schemaVersion: 2,
  data: { to: 'sha256:1', tag: 'app:1', from: null, n: [1, -0, 2.5e21] },
  metadata: { recordedAt: '2024-05-01T12:00:00Z', actor: 'alice' },
  idempotencyKey: 'k"1',
};
const metadataText = '{"actor":"alice","recordedAt":"2024-05-01T12:00:00Z"}';

test('hashes the previous hash followed by the canonical text of the immutable fields, keys sorted', () => {
  const text = '{"data":{"from":null,"n":[1,0,2.5e+21],"tag":"app:1","to":"sha256:1"},"idempotencyKey":"k\\"1",'
    + `"metadata":${metadataText},"position":7,"schemaVersion":2,"stream":"tag-app:1","type":"TagMoved","version":3}`;
  expect(chainHash(GENESIS_HASH, event, metadataText)).toBe(sha(GENESIS_HASH + text));
  expect(chainHash(GENESIS_HASH, event, metadataText)).toBe(eventHash(GENESIS_HASH, event));
});

test('a null key is written as null, and every field and the previous hash change the hash', () => {
  const base = { ...event, idempotencyKey: null };
  const h = chainHash('a'.repeat(64), base, metadataText);
  expect(h).toBe(eventHash('a'.repeat(64), base));
  const variants: HashableEvent[] = [
    { ...base, position: 8 }, { ...base, stream: 'x' }, { ...base, version: 4 }, { ...base, type: 'Y' },
    { ...base, schemaVersion: 1 }, { ...base, data: { ...base.data, tag: 'app:2' } }, { ...base, idempotencyKey: 'k' },
  ];
  for (const v of variants) expect(chainHash('a'.repeat(64), v, metadataText)).not.toBe(h);
  expect(chainHash('b'.repeat(64), base, metadataText)).not.toBe(h);
  expect(chainHash('a'.repeat(64), base, '{"actor":null,"recordedAt":"2024-05-01T12:00:00Z"}')).not.toBe(h);
});
