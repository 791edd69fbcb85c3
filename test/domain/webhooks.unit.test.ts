/** The webhook rules (src/domain/webhooks.ts): configuration, which events notify, payloads, retry delays. */
import { kindOfEvent, parseWebhookConfig, payloadsOf, retryDelayMs, WEBHOOK_SCHEMA_VERSION } from '../../src/domain/webhooks';

const secrets: Record<string, string> = { S: 'secret' };
const parse = (doc: unknown) => parseWebhookConfig(doc, (n) => secrets[n]);
const entry = (over: Record<string, unknown> = {}) => ({ name: 'ops', url: 'https://hooks.example/strata', secretEnv: 'S', events: ['tag.moved'], ...over });

describe('webhook configuration', () => {
  it('reads endpoints with their secrets resolved from the environment, events de-duplicated', () => {
    expect(parse({ webhooks: [entry({ events: ['tag.moved', 'drift', 'tag.moved'] })] })).toEqual([
      { name: 'ops', url: 'https://hooks.example/strata', secret: 'secret', kinds: ['tag.moved', 'drift'] },
    ]);
  });

  it.each([
    [null, 'expected a top-level "webhooks:" list'],
    [{ webhooks: {} }, 'expected a top-level "webhooks:" list'],
    [{ webhooks: ['x'] }, 'entry 1: expected a mapping'],
    [{ webhooks: [entry({ name: 'a b' })] }, 'entry 1: "name" must be'],
    [{ webhooks: [entry(), entry()] }, 'entry 2: the name "ops" is used twice'],
    [{ webhooks: [entry({ url: 'not a url' })] }, 'entry 1 (ops): "url" is not a URL'],
    [{ webhooks: [entry({ url: 'ftp://hooks.example/' })] }, 'entry 1 (ops): "url" must be http(s)'],
    [{ webhooks: [entry({ events: [] })] }, 'entry 1 (ops): "events" must list one or more of'],
    [{ webhooks: [entry({ events: ['image.pushed'] })] }, 'entry 1 (ops): unknown event "image.pushed"'],
    [{ webhooks: [entry({ secretEnv: '' })] }, 'entry 1 (ops): "secretEnv" must name the variable'],
    [{ webhooks: [entry({ secretEnv: 'UNSET' })] }, 'entry 1 (ops): the variable UNSET (its signing secret) is unset or empty'],
  ])('refuses %j naming the entry and the rule', (doc, message) => {
    let err: { code?: string; message?: string } = {};
    try { parse(doc); } catch (e) { err = e as typeof err; }
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain(message);
  });
});

describe('which events notify', () => {
  it.each([
    ['ImageCommitted', { source: 'import' }, 'image.imported'],
    ['ImageCommitted', { source: 'commit' }, 'image.committed'],
    ['ImageCommitted', { source: 'upgrade' }, 'image.committed'],
    ['ImageRemoved', {}, 'image.removed'],
    ['ImageTransferred', {}, 'image.transferred'],
    ['TagMoved', {}, 'tag.moved'],
    ['TagRemoved', {}, 'tag.removed'],
    ['ContainerCreated', {}, null],
    ['BlobsCollected', {}, null],
    ['LayerCommitted', {}, null],
  ])('%s %j → %s', (type, data, kind) => {
    expect(kindOfEvent({ type, data })).toBe(kind);
  });
});

describe('payloads', () => {
  const ev = (type: string, data: Record<string, unknown>) =>
    ({ position: 9, stream: 'tag-base:latest', type, data, recordedAt: '2026-11-30T00:00:00.000Z', actor: 'ci' });
  const behind = [{ imageId: 'sha256:a', tag: 'base:latest', builtOn: 'sha256:1', current: 'sha256:2', movesBehind: 1, since: 'T' }];

  it('a tag move away from an earlier target also makes a drift notification listing who is behind', () => {
    const out = payloadsOf(ev('TagMoved', { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' }), (tag) => (tag === 'base:latest' ? behind : []));
    expect(out.map((p) => [p.id, p.kind])).toEqual([['9.tag.moved', 'tag.moved'], ['9.drift', 'drift']]);
    expect(out[1]).toEqual({
      schemaVersion: WEBHOOK_SCHEMA_VERSION, id: '9.drift', kind: 'drift', position: 9, recordedAt: '2026-11-30T00:00:00.000Z', actor: 'ci',
      event: { type: 'TagMoved', stream: 'tag-base:latest', data: { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' } }, drift: behind,
    });
    expect(out[0]!.drift).toBeUndefined();
  });

  it('a first tagging (from null) or a move nobody is behind on makes no drift notification', () => {
    expect(payloadsOf(ev('TagMoved', { tag: 'base:latest', from: null, to: 'sha256:1' }), () => behind).map((p) => p.kind)).toEqual(['tag.moved']);
    expect(payloadsOf(ev('TagMoved', { tag: 'base:latest', from: 'sha256:1', to: 'sha256:2' }), () => []).map((p) => p.kind))
      .toEqual(['tag.moved']);
  });

  it('events that notify nothing make no payload', () => {
    expect(payloadsOf(ev('ContainerCreated', {}), () => behind)).toEqual([]);
  });
});

describe('retry delays', () => {
  it('double from the base per failed attempt and stop growing at an hour', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, 1000)).toBe(3_600_000);
  });
});
