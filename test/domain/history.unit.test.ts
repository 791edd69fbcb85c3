import { createdByPerLayer, diffIdsOf, historyOf } from '../../src/domain/history';
import { d } from './domainTestKit';

describe('docker history mapping (docs/domain.md §4)', () => {
  test('empty_layer entries own no layer; the others own diff_ids in order', () => {
    const config = {
      rootfs: { type: 'layers', diff_ids: [d('a'), d('b')] },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:x in /' },
        { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        { created_by: 'RUN apk add curl', comment: 'buildkit.dockerfile.v0' },
        { created_by: 'ENV A=1', empty_layer: true },
      ],
    };
    expect(historyOf(config)).toEqual([
      { created: '2024-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:x in /', comment: null, emptyLayer: false, layerIndex: 0 },
      { created: '2024-01-01T00:00:01Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', comment: null, emptyLayer: true, layerIndex: null },
      { created: null, createdBy: 'RUN apk add curl', comment: 'buildkit.dockerfile.v0', emptyLayer: false, layerIndex: 1 },
      { created: null, createdBy: 'ENV A=1', comment: null, emptyLayer: true, layerIndex: null },
    ]);
    expect(createdByPerLayer(historyOf(config), 2)).toEqual(['/bin/sh -c #(nop) ADD file:x in /', 'RUN apk add curl']);
  });

  test('a config without history gets one blank step per layer', () => {
    const steps = historyOf({ rootfs: { diff_ids: [d('a'), d('b')] } });
    expect(steps.map((s) => [s.layerIndex, s.createdBy, s.emptyLayer])).toEqual([[0, null, false], [1, null, false]]);
  });

  test('too short a history: the remaining layers get blank steps; too long: extra steps own nothing', () => {
    expect(historyOf({ rootfs: { diff_ids: [d('a'), d('b')] }, history: [{ created_by: 'x' }] }).map((s) => s.layerIndex)).toEqual([0, 1]);
    expect(historyOf({ rootfs: { diff_ids: [d('a')] }, history: [{ created_by: 'x' }, { created_by: 'y' }] }).map((s) => s.layerIndex)).toEqual([0, null]);
  });

  test('garbage is tolerated', () => {
    expect(historyOf(null)).toEqual([]);
    expect(historyOf({ history: 'no', rootfs: { diff_ids: 3 } })).toEqual([]);
    expect(historyOf({ rootfs: { diff_ids: [d('a')] }, history: [42, { created_by: 7 }] }).map((s) => [s.layerIndex, s.createdBy]))
      .toEqual([[0, null], [null, null]]);
    expect(diffIdsOf({ rootfs: { diff_ids: [d('a'), 5] } })).toEqual([d('a')]);
  });
});

describe('docker history mapping: edges (issue 25, second pass)', () => {
  test('only empty_layer: true (the boolean) skips a layer; "true" or 1 own one', () => {
    const config = { rootfs: { diff_ids: [d('a'), d('b'), d('c')] }, history: [{ empty_layer: 'true' }, { empty_layer: 1 }, { empty_layer: false }] };
    expect(historyOf(config).map((s) => [s.emptyLayer, s.layerIndex])).toEqual([[false, 0], [false, 1], [false, 2]]);
  });

  test('an entry past the last layer owns nothing even when a later one is empty; blank steps continue the count', () => {
    const config = { rootfs: { diff_ids: [d('a')] }, history: [{ created_by: 'x' }, { created_by: 'extra' }, { empty_layer: true }] };
    expect(historyOf(config).map((s) => [s.createdBy, s.layerIndex])).toEqual([['x', 0], ['extra', null], [null, null]]);
    const short = { rootfs: { diff_ids: [d('a'), d('b'), d('c')] }, history: [{ empty_layer: true, created_by: 'ENV' }, { created_by: 'x' }] };
    expect(historyOf(short)).toEqual([
      { created: null, createdBy: 'ENV', comment: null, emptyLayer: true, layerIndex: null },
      { created: null, createdBy: 'x', comment: null, emptyLayer: false, layerIndex: 0 },
      { created: null, createdBy: null, comment: null, emptyLayer: false, layerIndex: 1 },
      { created: null, createdBy: null, comment: null, emptyLayer: false, layerIndex: 2 },
    ]);
  });

  test('fields of the wrong type read as null, each one', () => {
    const config = { rootfs: { diff_ids: [d('a')] }, history: [{ created: 1, created_by: ['x'], comment: { a: 1 } }] };
    expect(historyOf(config)).toEqual([{ created: null, createdBy: null, comment: null, emptyLayer: false, layerIndex: 0 }]);
    expect(historyOf({ rootfs: { diff_ids: [d('a')] }, history: [[{ created_by: 'in a list' }]] })[0]?.createdBy).toBeNull();
  });

  test('rootfs or config of the wrong shape declares no layers', () => {
    expect(diffIdsOf([])).toEqual([]);
    expect(diffIdsOf({ rootfs: [d('a')] })).toEqual([]);
    expect(diffIdsOf({ rootfs: null })).toEqual([]);
    expect(diffIdsOf({ rootfs: { diff_ids: { 0: d('a') } } })).toEqual([]);
    expect(historyOf([{ created_by: 'x' }])).toEqual([]);
    expect(historyOf({ rootfs: [d('a')], history: [{ created_by: 'x' }] })).toEqual([
      { created: null, createdBy: 'x', comment: null, emptyLayer: false, layerIndex: null }]);
  });

  test('createdByPerLayer: one slot per layer, null where no step owns it; steps past the count are ignored', () => {
    const steps = historyOf({ rootfs: { diff_ids: [d('a'), d('b')] }, history: [{ created_by: 'x' }, { created_by: 'y' }] });
    expect(createdByPerLayer(steps, 3)).toEqual(['x', 'y', null]);
    expect(createdByPerLayer(steps, 1)).toEqual(['x']);
    expect(createdByPerLayer(steps, 0)).toEqual([]);
    expect(createdByPerLayer([{ created: null, createdBy: 'e', comment: null, emptyLayer: true, layerIndex: null }], 1)).toEqual([null]);
  });
});
