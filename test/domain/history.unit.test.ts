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
