/**
 * The read model's memory-saving indexes (bench/RESULTS.md "Fleet memory,
 * second pass") answer exactly what the plain structures they replace did:
 * StreamVersions what a Map from stream name to version answers, and
 * SharedHistorySteps steps equal field by field to the ones given, shared
 * only when every field is equal.
 */
import type { HistoryStep } from '../../src/domain/events';
import { SharedHistorySteps } from '../../src/projections/sharedHistory';
import { StreamVersions } from '../../src/projections/streamVersions';

describe('StreamVersions', () => {
  it('answers as a Map of stream names would, whichever ids the model holds', () => {
    // The model holds some ids (its records), not others; the answers must not depend on which.
    const held = new Set(['sha256:aa', 'repo:1', 'c1']);
    const copyOf = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
    const lookup = (kind: string, id: string) => (held.has(id) && kind !== 'other' ? copyOf(id) : undefined);
    const v = new StreamVersions();
    const plain = new Map<string, number>();
    const streams = ['image:sha256:aa', 'image:sha256:bb', 'tag:repo:1', 'tag:repo:2', 'container:c1', 'other:sha256:aa',
      'noseparator', 'layer:', ':sha256:aa', 'image:sha256:aa:extra'];
    let version = 0;
    for (let round = 0; round < 3; round++) {
      for (const s of streams) {
        if ((round + s.length) % 2 === 0 && round > 0) continue; // some streams move on, others stay
        version++;
        v.set(s, version, lookup);
        plain.set(s, version);
        for (const q of [...streams, 'image:sha256:cc', 'tag:', 'image', '']) expect([q, v.get(q)]).toEqual([q, plain.get(q)]);
      }
    }
  });

  it('keys a stream by the copy of its id the model holds, and falls back to the name when the copy differs', () => {
    const v = new StreamVersions();
    v.set('image:sha256:aa', 1, () => 'sha256:zz'); // not the same id: must not be filed under it
    expect(v.get('image:sha256:aa')).toBe(1);
    expect(v.get('image:sha256:zz')).toBeUndefined();
  });
});

describe('SharedHistorySteps', () => {
  const step = (over: Partial<HistoryStep> = {}): HistoryStep => ({
    created: '2024-01-01T00:00:00Z', createdBy: 'RUN make', comment: null, emptyLayer: false, layerIndex: 0, ...over,
  });

  it('returns steps equal to the ones given, one shared object per distinct step', () => {
    const h = new SharedHistorySteps();
    const variants: Partial<HistoryStep>[] = [{}, { created: null }, { createdBy: null }, { comment: 'c' }, { emptyLayer: true },
      { layerIndex: 1 }, { layerIndex: null }, { created: null, createdBy: null }, { createdBy: 'RUN make ' }];
    const first = variants.map((o) => h.steps([step(o)])[0]!);
    variants.forEach((o, i) => {
      expect(first[i]).toEqual(step(o));
      expect(Object.isFrozen(first[i])).toBe(true);
      // The same step again (a fresh object, as a new event carries it) is the shared one.
      expect(h.steps([step(o)])[0]).toBe(first[i]);
    });
    expect(new Set(first).size).toBe(variants.length);
  });

  it('keeps each image its own list, in order', () => {
    const h = new SharedHistorySteps();
    const given = [step({ layerIndex: 0 }), step({ emptyLayer: true, layerIndex: null }), step({ layerIndex: 1 })];
    const a = h.steps(given);
    const b = h.steps(given.map((s) => ({ ...s })));
    expect(a).toEqual(given);
    expect(b).not.toBe(a);
    b.forEach((s, i) => expect(s).toBe(a[i]));
  });
});
