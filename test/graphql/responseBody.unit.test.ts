/**
 * Answers serialized in pieces (src/graphql/responseBody.ts): the pieces,
 * concatenated, must be exactly what JSON.stringify writes (JSON.stringify is
 * the oracle), and a large answer must never be one piece past V8's
 * large-object size (the reason the module exists).
 */
import fc from 'fast-check';
import {
  bodyBytes, bodyParts, dropBody, JsonListText, jsonPieces, KeptBatch, PIECE_CHARS, stringifyResult, waitingBodies,
} from '../../src/graphql/responseBody';

/** Rows like a merged-view page: ~400 characters each. */
const rows = (n: number, text = 'a') => Array.from({ length: n }, (_, i) => ({
  cursor: Buffer.from(`file:/usr/lib/${i}`).toString('base64'),
  node: { path: `/usr/lib/${text}${i}.so`, kind: 'FILE', size: 1000 + i, mode: 420, linkTarget: null, layerIndex: i % 7,
    contentDigest: `sha256:${'c'.repeat(64)}`, diffId: `sha256:${'d'.repeat(64)}`, missing: undefined },
}));

describe('jsonPieces', () => {
  test('concatenated, the pieces are JSON.stringify of any JSON-like value', () => {
    // Arrays long enough to be cut into batches, objects with skipped values, Dates (toJSON), unicode.
    const leaf = fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null),
      fc.constant(undefined), fc.constant(() => 1), fc.date({ noInvalidDate: true }), fc.constant(Symbol('s')));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 40 }),
        fc.dictionary(fc.string(), tie('tree'), { maxKeys: 6 })),
    }));
    fc.assert(fc.property(tree, (v) => {
      const expected = JSON.stringify(v);
      const got = jsonPieces(v);
      if (expected === undefined) expect(got).toEqual([]);
      else expect(got.join('')).toBe(expected);
    }), { numRuns: 500 });
  });

  test('a merged-view page comes in pieces, none near the large-object size', () => {
    const page = { data: { image: { files: { totalCount: 45_000, pageInfo: { hasNextPage: true, endCursor: 'x' }, edges: rows(1000) } } } };
    const pieces = jsonPieces(page);
    expect(pieces.join('')).toBe(JSON.stringify(page));
    expect(JSON.stringify(page).length).toBeGreaterThan(8 * PIECE_CHARS);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces) expect(p.length).toBeLessThan(3 * PIECE_CHARS);
  });

  test('an element bigger than a piece is walked into, its own lists cut too', () => {
    const report = { data: { storage: [{ images: rows(800), layers: rows(800, 'l') }, { images: rows(3) }] } };
    const pieces = jsonPieces(report);
    expect(pieces.join('')).toBe(JSON.stringify(report));
    for (const p of pieces) expect(p.length).toBeLessThan(3 * PIECE_CHARS);
  });

  test('a small answer is one piece', () => {
    const small = { data: { images: { edges: rows(10) } } };
    expect(jsonPieces(small)).toEqual([JSON.stringify(small)]);
  });
});

describe('stringifyResult and bodyBytes', () => {
  test('the bytes are those of Apollo\'s default serializer (JSON.stringify + newline), ASCII or not', () => {
    for (const value of [{ data: { x: 1 } }, { data: { e: rows(1000) } }, { data: { e: rows(1000, '\u20ac\u00e9\ud83d\ude00') } },
      { errors: [{ message: 'm', extensions: { code: 'X' } }], data: null }]) {
      const body = stringifyResult(value);
      expect(bodyBytes(body).equals(Buffer.from(`${JSON.stringify(value)}\n`, 'utf8'))).toBe(true);
    }
    expect(waitingBodies()).toBe(0);
  });

  test('large lists of any text: the bytes are JSON.stringify\'s (batches written without their brackets, put back byte for byte)', () => {
    // Lists long enough for batches kept whole (bodyBytes drops their brackets as it writes them), between small
    // values and lists, with text of every kind (ASCII, multi-byte, lone surrogates) on either side of a batch.
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const value = fc.record({
      head: text,
      list: fc.tuple(fc.integer({ min: 0, max: 2500 }), text).map(([n, t]) => rows(n, t)),
      mid: fc.array(text, { maxLength: 5 }),
      lists: fc.array(fc.tuple(fc.integer({ min: 0, max: 900 }), text).map(([n, t]) => rows(n, t)), { maxLength: 3 }),
      tail: text,
    });
    fc.assert(fc.property(value, (v) => {
      const body = { data: v };
      expect(bodyBytes(stringifyResult(body)).equals(Buffer.from(`${JSON.stringify(body)}\n`, 'utf8'))).toBe(true);
    }), { numRuns: 60 });
    expect(waitingBodies()).toBe(0);
  });

  test('a large body is parked under a token until taken, once', () => {
    const value = { data: { e: rows(1000) } };
    const token = stringifyResult(value);
    expect(token.length).toBeLessThan(100);
    expect(waitingBodies()).toBe(1);
    expect(bodyBytes(token).toString('utf8')).toBe(`${JSON.stringify(value)}\n`);
    expect(waitingBodies()).toBe(0);
    const dropped = stringifyResult(value);
    dropBody(dropped);
    expect(waitingBodies()).toBe(0);
  });
});

/** Lists kept across answers (leafLists.ts) are written from their kept bytes, not encoded again per answer. */
describe('kept batches', () => {
  // A list's batches as leafLists makes them: each JSON.stringify of a run of rows.
  const keptList = (n: number, text: string) => {
    const all = rows(n, text);
    const batches: KeptBatch[] = [];
    for (let i = 0; i < all.length; i += 64) batches.push(new KeptBatch(JSON.stringify(all.slice(i, i + 64))));
    return { all, text: new JsonListText(batches) };
  };

  test('a body holding kept lists among other values is JSON.stringify\'s, byte for byte, ASCII or not', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 700 }), text, text, fc.integer({ min: 0, max: 700 }), (n, t, head, m) => {
      const a = keptList(n, t);
      const b = keptList(m, head);
      const ours = { data: { head, a: a.text, mid: [head, rows(3, t)], b: b.text, empty: new JsonListText([]) } };
      const js = { data: { head, a: a.all, mid: [head, rows(3, t)], b: b.all, empty: [] } };
      const expected = Buffer.from(`${JSON.stringify(js)}\n`, 'utf8');
      expect(bodyBytes(stringifyResult(ours)).equals(expected)).toBe(true);
      // Again from the same kept batches (their bytes now kept): the same bytes.
      const { parts, length } = bodyParts(stringifyResult(ours));
      expect(length).toBe(expected.length);
      expect(Buffer.concat(parts).equals(expected)).toBe(true);
    }), { numRuns: 60 });
    expect(waitingBodies()).toBe(0);
  });

  test('the second answer writes the bytes the first one encoded (no new buffer for a kept batch)', () => {
    const a = keptList(2000, 'x');
    const body = () => bodyParts(stringifyResult({ data: { a: a.text } })).parts;
    const first = body();
    const second = body();
    expect(first.length).toBe(second.length);
    // One part per kept batch (each with the comma before it), between the runs before and after the list.
    expect(first.length).toBe(a.text.batches.length + 2);
    const kept = (parts: Buffer[]) => parts.slice(1, -1);
    kept(second).forEach((p, i) => {
      const q = kept(first)[i]!;
      expect(p.buffer).toBe(q.buffer);
      expect(p.byteOffset).toBe(q.byteOffset);
      expect(p.length).toBe(q.length);
    });
    expect(Buffer.concat(second).toString('utf8')).toBe(`${JSON.stringify({ data: { a: a.all } })}\n`);
  });

  test('once written, a kept batch gives its text back from its bytes (for any other serializer), multi-byte text too', () => {
    const a = keptList(300, '\u20ac\u00e9\ud83d\ude00\ud800');
    const before = a.text.batches.map((b) => (typeof b === 'string' ? b : b.json));
    bodyParts(stringifyResult({ data: { a: a.text } }));
    expect(a.text.batches.map((b) => (typeof b === 'string' ? b : b.json))).toEqual(before);
    expect(a.text.toJSON()).toEqual(a.all.map((r) => JSON.parse(JSON.stringify(r))));
    expect(JSON.stringify({ a: a.text })).toBe(JSON.stringify({ a: a.all }));
  });
});
