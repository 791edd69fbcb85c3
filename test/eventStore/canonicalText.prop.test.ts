/**
 * The append's fast paths hash exactly what the reference definitions hash:
 * canonicalText equals canonicalJson on every JSON value, and chainHash (the
 * append's per-event hash with the metadata canonicalized once) equals
 * eventHash (what `strata verify` recomputes).
 */
import fc from 'fast-check';
import { canonicalJson } from '../../src/domain/canonicalJson';
import { canonicalText } from '../../src/eventStore/canonicalText';
import { prepareAppend } from '../../src/eventStore/appendPlan';
import { chainHash, eventHash, GENESIS_HASH } from '../../src/eventStore/hashChain';

const json = fc.jsonValue();

describe('canonicalText', () => {
  it('writes every JSON value exactly as canonicalJson does', () => {
    fc.assert(fc.property(json, (v) => { expect(canonicalText(v)).toBe(canonicalJson(v)); }), { numRuns: 2000 });
  });

  it('sorts objects of any width (insertion sort up to 24 keys, Array.prototype.sort above) as canonicalJson does', () => {
    const wide = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { minKeys: 2, maxKeys: 60 });
    fc.assert(fc.property(wide, (v) => { expect(canonicalText(v)).toBe(canonicalJson(v)); }), { numRuns: 500 });
  });

  it('sorts keys by code unit, drops undefined members and refuses non-finite numbers, as canonicalJson does', () => {
    const v = { b: 1, a: [undefined, { z: null, y: undefined }], 10: 'x', 9: 'y', é: true, Z: -0 };
    expect(canonicalText(v)).toBe(canonicalJson(v));
    expect(canonicalText(v)).toBe('{"10":"x","9":"y","Z":0,"a":[null,{"z":null}],"b":1,"é":true}');
    expect(() => canonicalText({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalText([Infinity])).toThrow(TypeError);
  });
});

describe('canonicalText on strings', () => {
  it('quotes every string, escapes included, as JSON.stringify does', () => {
    // Any UTF-16 code unit: quotes, backslashes, control characters, lone and paired surrogates.
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
      expect(canonicalText(s)).toBe(JSON.stringify(s));
      expect(canonicalText({ [s]: s })).toBe(canonicalJson({ [s]: s }));
    }), { numRuns: 5000 });
    for (const s of ['', 'a"b', 'a\\b', '\u0000', '\n\t\b\f\r', '\u001f', '\u007f', '\u2028', '\ud800', 'x\udfff', '\ud83d\ude00', 'é']) {
      expect(canonicalText(s)).toBe(JSON.stringify(s));
    }
  });
});

describe('canonicalText on objects of one shape', () => {
  it('sorts each object of a repeated out-of-order key list, nested or interleaved with other shapes, as canonicalJson does', () => {
    // canonicalText reuses the sorted order of the last out-of-order key list it saw: same keys in the same order only.
    const keys = fc.uniqueArray(fc.constantFrom('b', 'a', 'd', 'c', '10', '9', 'é', 'Z'), { minLength: 2, maxLength: 8 });
    const shaped = keys.chain((ks) => fc.array(fc.tuple(...ks.map(() => fc.jsonValue({ maxDepth: 1 })))
      .map((vs) => Object.fromEntries(ks.map((k, i) => [k, vs[i]]))), { minLength: 1, maxLength: 4 }));
    fc.assert(fc.property(fc.array(shaped, { minLength: 1, maxLength: 4 }), (groups) => {
      const objects = groups.flat();
      const nested = objects.map((o, i) => ({ ...o, z: objects[(i + 1) % objects.length] }));
      for (const v of [...objects, ...nested, objects]) expect(canonicalText(v)).toBe(canonicalJson(v));
    }), { numRuns: 1000 });
  });

  it('tells apart key lists that differ in one key or in order only', () => {
    const shapes = [{ b: 1, a: 2, c: 3 }, { b: 1, a: 2, d: 3 }, { c: 1, a: 2, b: 3 }, { b: 1, a: 2 }, { b: 1, a: 2, c: 3, d: 4 }];
    for (const v of [...shapes, ...shapes.reverse(), ...shapes]) expect(canonicalText(v)).toBe(canonicalJson(v));
  });
});

describe('chainHash', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 20 });
  const event = fc.record({
    position: fc.integer({ min: 1, max: 2 ** 40 }),
    stream: text,
    version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    type: text,
    schemaVersion: fc.integer({ min: 1, max: 100 }),
    data: json,
    metadata: fc.record({ actor: fc.option(text), recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) }),
    idempotencyKey: fc.option(text),
  });

  it('equals eventHash for every event', () => {
    fc.assert(fc.property(event, fc.constantFrom(GENESIS_HASH, 'ab'.repeat(32)), (e, prev) => {
      expect(chainHash(prev, e, canonicalJson(e.metadata))).toBe(eventHash(prev, e));
    }), { numRuns: 1000 });
  });
});

describe('prepareAppend', () => {
  it('hashes the metadata in its canonical form (the stored metadata text, reused for the hash)', () => {
    const actor = fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: undefined });
    const when = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(253402300799999) });
    fc.assert(fc.property(actor, when, (a, d) => {
      const p = prepareAppend([{ stream: 's', expectedVersion: 0, events: [{ type: 'T', data: {} }] }], { actor: a, recordedAt: d });
      expect(p.metadataCanonical).toBe(canonicalJson(p.metadata));
      expect(JSON.parse(p.metadataText)).toEqual(p.metadata);
    }), { numRuns: 500 });
  });

  it('records the time of each append, formatted once per millisecond, and each actor in its own metadata text', () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T01:02:03.004Z') });
    try {
      const prepare = (actor?: string) => prepareAppend([{ stream: 's', expectedVersion: 0, events: [{ type: 'T', data: {} }] }], { actor });
      const first = prepare('a');
      const sameMs = prepare('b');
      const again = prepare('b');
      jest.advanceTimersByTime(1);
      const nextMs = prepare('b');
      jest.setSystemTime(new Date('2026-12-01T01:02:03.004Z')); // the clock stepping back is a new millisecond too
      const back = prepare();
      expect([first, sameMs, again, nextMs, back].map((p) => p.metadata)).toEqual([
        { actor: 'a', recordedAt: '2026-12-01T01:02:03.004Z' },
        { actor: 'b', recordedAt: '2026-12-01T01:02:03.004Z' },
        { actor: 'b', recordedAt: '2026-12-01T01:02:03.004Z' },
        { actor: 'b', recordedAt: '2026-12-01T01:02:03.005Z' },
        { actor: null, recordedAt: '2026-12-01T01:02:03.004Z' },
      ]);
      for (const p of [first, sameMs, again, nextMs, back]) expect(p.metadataText).toBe(canonicalJson(p.metadata));
    } finally {
      jest.useRealTimers();
    }
  });
});
